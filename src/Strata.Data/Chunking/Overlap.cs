namespace Strata.Data.Chunking;

/// <summary>
/// Where a chunk starts inside the previous chunk of its section, so that the two share context across the cut: the
/// longest tail of the previous chunk that counts at most the overlap budget and starts at a sentence boundary, or, when
/// no such tail reaches half the budget (the last sentence is long), at a word boundary. The tail never starts at the
/// previous chunk's own start, so starts strictly increase.
/// </summary>
internal static class Overlap
{
    /// <summary>The tail's start and its token count, or null when no tail fits within <paramref name="limit"/> tokens.</summary>
    public static (int Start, int Tokens)? Find(string text, TokenCounter counter, Span previous, int limit)
    {
        if (limit <= counter.Fixed) return null;
        var bySentence = Longest(counter, Sentences.Split(text, previous), previous.End, limit);
        if (bySentence is { } sentence && 2 * sentence.Tokens >= limit) return bySentence;
        var byWord = Longest(counter, TextSpans.Words(text, previous), previous.End, limit);
        return byWord is { } word && (bySentence is null || word.Tokens > bySentence.Value.Tokens) ? byWord : bySentence;
    }

    // Units (sentences or words) are counted one at a time from the end and summed until the next would pass the limit,
    // so only the tail and one unit more are counted; then the tail is counted once as a whole, and if a counter that
    // merges across gaps puts it over the limit, its start moves right. Unit 0 starts the chunk and is never taken.
    private static (int Start, int Tokens)? Longest(TokenCounter counter, List<Span> units, int end, int limit)
    {
        int first = units.Count, sum = counter.Fixed;
        for (int k = units.Count - 1; k >= 1; k--)
        {
            int gap = k + 1 < units.Count ? counter.GapCost(units[k].End, units[k + 1].Start) : 0;
            int added = counter.Cost(counter.Count(units[k])) + gap;
            if (sum + added > limit) break;
            sum += added;
            first = k;
        }
        for (; first < units.Count; first++)
        {
            int tokens = counter.Count(new Span(units[first].Start, end));
            if (tokens <= limit) return (units[first].Start, tokens);
        }
        return null;
    }
}
