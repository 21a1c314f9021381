namespace Strata.Data.Chunking;

/// <summary>
/// The caller's token counter over spans of one text, with what lets the chunker sum pieces instead of counting every
/// candidate chunk: the fixed cost of the empty text (a tokenizer that adds <c>[CLS]</c> and <c>[SEP]</c> counts 2 for
/// "") is measured once and taken off each piece, and the cost of the whitespace between pieces is counted once per
/// distinct gap. For a counter that adds up over whitespace-separated pieces (words, characters, WordPiece) the sum is
/// exact; for one that merges tokens across a gap it is an approximation that the chunker checks.
/// </summary>
internal sealed class TokenCounter
{
    private readonly string text;
    private readonly Func<string, int> count;
    private readonly Dictionary<string, int> gapCosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> gapLookup;

    public TokenCounter(string text, Func<string, int> count)
    {
        this.text = text;
        this.count = count;
        gapLookup = gapCosts.GetAlternateLookup<ReadOnlySpan<char>>();
        Fixed = Math.Max(0, count(string.Empty));
    }

    /// <summary>Tokens the counter reports for any text, the empty one included.</summary>
    public int Fixed { get; }

    /// <summary>Tokens of the span as the counter reports them.</summary>
    public int Count(Span span) => count(text.Substring(span.Start, span.Length));

    /// <summary>Tokens a span adds to a chunk: its count less <see cref="Fixed"/>.</summary>
    public int Cost(int tokens) => Math.Max(0, tokens - Fixed);

    /// <summary>Tokens the whitespace between two pieces adds to a chunk.</summary>
    public int GapCost(int end, int nextStart)
    {
        if (nextStart <= end) return 0;
        var gap = text.AsSpan(end, nextStart - end);
        if (!gapLookup.TryGetValue(gap, out int cost))
        {
            cost = Cost(count(gap.ToString()));
            gapLookup[gap] = cost;
        }
        return cost;
    }
}
