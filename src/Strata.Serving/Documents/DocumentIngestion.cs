using Strata.Data.Chunking;
using Strata.Data.Extraction;
using Strata.Serving.Registry;

namespace Strata.Serving.Documents;

/// <summary>
/// A file into a tenant's store: text extracted by media type (<see cref="DocumentText"/>), chunked by structure within
/// the embedder's token budget (<see cref="TextChunker"/>), each chunk embedded when the server has an embedding model,
/// then stored in one transaction — a failure at any step stores nothing.
/// </summary>
public sealed class DocumentIngestion(IDocumentStore store, ServedEncoder? embedder)
{
    /// <summary>The most characters a document's extracted text may have (about 500 pages).</summary>
    public const int MaxCharacters = 2_000_000;

    /// <summary>Chunk budget: what retrieval passages usually hold, and never more than the embedder reads.</summary>
    public ChunkingOptions Chunking { get; } = new()
    {
        MaxTokens = Math.Min(256, (embedder?.Encoder.MaxLength ?? 512) - 2),
        OverlapTokens = 32,
    };

    /// <exception cref="NotSupportedException">An unsupported media type.</exception>
    /// <exception cref="InvalidDataException">Content that is not what its media type says, empty text, or text over <see cref="MaxCharacters"/>.</exception>
    public async Task<StoredDocument> AddAsync(string tenant, string name, string mediaType, byte[] content, CancellationToken cancellationToken)
    {
        string text = DocumentText.Extract(content, mediaType);
        if (text.Length > MaxCharacters) throw new InvalidDataException($"the document's text has {text.Length:N0} characters; at most {MaxCharacters:N0} are accepted");
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidDataException("the document has no text");
        Func<string, int> count = embedder is null ? ApproximateTokens : t => embedder.Encoder.Tokenizer.EncodeWords(t).Count;
        var chunks = TextChunker.Split(text, count, Chunking);
        float[][]? vectors = null;
        if (embedder is not null)
        {
            var texts = chunks.Select(c => c.Text).ToList();
            vectors = await embedder.RunAsync(e => e.Embed(texts, Strata.Models.Encoders.EmbeddingRole.Document), cancellationToken);
        }
        var stored = chunks.Select((c, i) => new NewChunk(c.Start, c.End, c.Text, c.Heading, vectors?[i])).ToList();
        return store.Add(tenant, name, mediaType, text, stored, embedder?.Name);
    }

    /// <summary>Without a model's tokenizer: words and punctuation marks, about what a WordPiece vocabulary gives for English.</summary>
    private static int ApproximateTokens(string text)
    {
        int tokens = 0;
        bool inWord = false;
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                if (!inWord) tokens++;
                inWord = true;
            }
            else
            {
                inWord = false;
                if (!char.IsWhiteSpace(c)) tokens++;
            }
        }
        return tokens;
    }
}
