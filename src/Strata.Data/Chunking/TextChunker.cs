namespace Strata.Data.Chunking;

/// <summary>Options of <see cref="TextChunker"/>; token counts are those of the caller's counter.</summary>
public sealed record ChunkingOptions
{
    /// <summary>Token budget of a chunk; at least 8.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>
    /// At most how many tokens of the previous chunk's end the next chunk of the same section repeats (0 = none); less
    /// than half of <see cref="MaxTokens"/>.
    /// </summary>
    public int OverlapTokens { get; init; } = 32;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
    public void Validate()
    {
        if (MaxTokens < 8)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be at least 8.");
        }
        if (OverlapTokens < 0 || 2 * OverlapTokens >= MaxTokens)
        {
            throw new ArgumentOutOfRangeException(nameof(OverlapTokens), OverlapTokens,
                "OverlapTokens must be at least 0 and less than half of MaxTokens.");
        }
    }
}

/// <summary>A chunk of a document: an exact span of its text, so a citation can point into the document.</summary>
/// <param name="Index">Position among the document's chunks, 0 to n-1.</param>
/// <param name="Start">Offset of the chunk's first character in the document text (UTF-16 index).</param>
/// <param name="End">Offset one past its last character; <c>Text == documentText[Start..End]</c>.</param>
/// <param name="Text">The span's text; starts and ends on a non-space character.</param>
/// <param name="Heading">
/// The heading of the chunk's section (see <see cref="TextChunker"/> for what counts as a heading), without Markdown's
/// <c>#</c> marks; null before the first heading.
/// </param>
public sealed record TextChunk(int Index, int Start, int End, string Text, string? Heading);

/// <summary>
/// Splits a document's plain text into chunks for retrieval and grounded answers, structure first. The text is cut into
/// sections at headings, and no chunk crosses a heading. A heading is a block of one line (blocks are separated by
/// blank lines) that is a Markdown heading (<c># Title</c>), or title-like and followed by a longer block or another
/// heading: at most 80 characters with a letter, starting with an upper-case letter or a digit, not ending in
/// <c>. , ; : !</c>. Consecutive headings open one section under the last of them. Within a section, each block
/// (paragraph, list) that fits the budget is one piece; one that does not is cut into lines, then sentences, then words,
/// and only a word over the budget alone is cut between characters; a heading is cut as one block with the block under
/// it, so it never sits alone in a chunk while some of that block fits beside it. A sentence ends at <c>. ! ? …</c>
/// followed by whitespace and a character that is not a lower-case letter; the full stops of abbreviations ("e.g.",
/// "U.S.", "Dr.", "vs."), initials ("J. Smith") and decimals ("3.14") do not end one. Consecutive pieces are packed
/// greedily while the chunk fits <see cref="ChunkingOptions.MaxTokens"/>. Each chunk after the first of a section
/// starts inside the previous one, at a sentence boundary (a word boundary when no sentence tail reaches half the
/// overlap) chosen so the repeated tail is as long as possible within <see cref="ChunkingOptions.OverlapTokens"/>; the
/// tail shrinks or goes when the next piece would not fit beside it.
/// </summary>
/// <remarks>
/// The counter is called once per piece, once per distinct whitespace gap, a few times per chunk for its overlap, and
/// once on every chunk's final text: a chunk's size is the sum of its pieces (exact for counters that add up over
/// whitespace, such as word, character and WordPiece counts; the fixed tokens a counter reports for the empty text,
/// like [CLS] and [SEP], are counted once), and the final count catches counters that merge across a gap, dropping
/// pieces from the end until it fits. Counting is thus linear in the text, never per prefix.
/// </remarks>
public static class TextChunker
{
    /// <summary>Splits <paramref name="text"/> into chunks in document order; none for empty or whitespace-only text.</summary>
    /// <param name="text">The document's stored plain text.</param>
    /// <param name="countTokens">Tokens of a piece of text for the model that will embed/read it (e.g. a WordPiece tokenizer); the chunker never assumes a tokenizer.</param>
    /// <param name="options">Budget and overlap; defaults when null.</param>
    /// <returns>
    /// Chunks with <c>Index</c> 0..n-1 and strictly increasing <c>Start</c>; every non-space character of the text is in at
    /// least one. Each fits the budget unless a single character alone exceeds it.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IReadOnlyList<TextChunk> Split(string text, Func<string, int> countTokens, ChunkingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(countTokens);
        options ??= new ChunkingOptions();
        options.Validate();
        var chunks = new List<TextChunk>();
        if (string.IsNullOrWhiteSpace(text)) return chunks;
        var counter = new TokenCounter(text, countTokens);
        var splitter = new PieceSplitter(text, counter, options.MaxTokens);
        var packer = new ChunkPacker(text, counter, splitter, options);
        foreach (var section in Sections.Find(text))
        {
            packer.Pack(section, splitter.Split(section), chunks);
        }
        return chunks;
    }
}
