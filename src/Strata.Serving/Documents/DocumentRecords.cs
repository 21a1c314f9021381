namespace Strata.Serving.Documents;

/// <summary>A tenant's document as stored: its extracted text is what chunk spans and citations index into.</summary>
/// <param name="Embedder">The encoder whose vectors its chunks carry, or null when stored without vectors (BM25 only).</param>
public sealed record StoredDocument(
    string Id,
    string Tenant,
    string Name,
    string MediaType,
    int Characters,
    int Chunks,
    string? Embedder,
    DateTimeOffset CreatedAt);

/// <summary>One chunk to store: a span [Start, End) of the document text, and its vector when an encoder embedded it.</summary>
public sealed record NewChunk(int Start, int End, string Text, string? Heading, float[]? Vector);

/// <summary>A stored chunk found by a search.</summary>
/// <param name="Score">Higher is better; BM25 (sign flipped so higher wins), <c>ts_rank</c> or cosine similarity, depending on the search and the store.</param>
public sealed record ChunkHit(string DocumentId, string DocumentName, int Index, int Start, int End, string Text, string? Heading, double Score);
