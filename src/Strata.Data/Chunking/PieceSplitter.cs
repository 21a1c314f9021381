namespace Strata.Data.Chunking;

/// <summary>A span that fits the token budget on its own, with the tokens it adds to a chunk (<see cref="TokenCounter.Cost"/>).</summary>
internal readonly record struct Piece(Span Span, int Cost);

/// <summary>
/// Cuts a section into pieces that each fit the budget, at the coarsest structure that allows it: a block (paragraph,
/// list, heading) stays whole when it fits; one that does not is cut into lines, a line into sentences, a sentence into
/// words, and only a word that alone exceeds the budget into characters. Each span is counted once on its way down.
/// </summary>
internal sealed class PieceSplitter(string text, TokenCounter counter, int maxTokens)
{
    // Longer spans are cut without being counted. No real tokenizer averages 64 characters a token, so this only saves
    // counting a long block that cannot fit (a whole PDF without blank lines); it also caps a piece at that length.
    private const int MaxCharsPerToken = 64;

    private readonly int maxChars = maxTokens * MaxCharsPerToken;

    private enum Level { Line, Sentence, Word, Character }

    public List<Piece> Split(Section section)
    {
        var blocks = TextSpans.Blocks(text, section.Range);
        // The heading lines and the first block under them are cut as one block, so that when the two do not fit
        // together the block is cut into lines and sentences that can join the heading in its chunk.
        int body = blocks.FindIndex(b => b.Start >= section.BodyStart);
        if (body > 0)
        {
            blocks[body] = new Span(blocks[0].Start, blocks[body].End);
            blocks.RemoveRange(0, body);
        }
        var pieces = new List<Piece>();
        foreach (var block in blocks)
        {
            if (!TryAdd(block, pieces)) SplitAt(Level.Line, block, pieces);
        }
        return pieces;
    }

    /// <summary>
    /// Replaces the piece at <paramref name="index"/> with its parts at the first finer structure that has more than one
    /// (lines, sentences, words); false when it is a single word.
    /// </summary>
    public bool TryRefine(List<Piece> pieces, int index)
    {
        var span = pieces[index].Span;
        for (var level = Level.Line; level < Level.Character; level++)
        {
            var parts = Parts(level, span);
            if (parts.Count < 2) continue;
            var finer = new List<Piece>();
            AddParts(level, parts, finer);
            pieces.RemoveAt(index);
            pieces.InsertRange(index, finer);
            return true;
        }
        return false;
    }

    private void SplitAt(Level level, Span span, List<Piece> pieces)
    {
        if (level == Level.Character)
        {
            HardSplit(span, pieces);
            return;
        }
        var parts = Parts(level, span);
        if (parts.Count == 1)
        {
            SplitAt(level + 1, span, pieces); // one line, one sentence: the same span, already too long
            return;
        }
        AddParts(level, parts, pieces);
    }

    private void AddParts(Level level, List<Span> parts, List<Piece> pieces)
    {
        foreach (var part in parts)
        {
            if (!TryAdd(part, pieces)) SplitAt(level + 1, part, pieces);
        }
    }

    private List<Span> Parts(Level level, Span span) => level switch
    {
        Level.Line => TextSpans.Lines(text, span),
        Level.Sentence => Sentences.Split(text, span),
        _ => TextSpans.Words(text, span),
    };

    private bool TryAdd(Span span, List<Piece> pieces)
    {
        if (span.Length > maxChars) return false;
        int tokens = counter.Count(span);
        if (tokens > maxTokens) return false;
        pieces.Add(new Piece(span, counter.Cost(tokens)));
        return true;
    }

    // A word over the budget becomes its longest prefixes that fit, found by doubling a length then bisecting, so a
    // long word costs O(n log n) counted characters rather than a count per prefix. A cut never separates the halves of
    // a surrogate pair; a single character is taken even when it alone exceeds the budget.
    private void HardSplit(Span word, List<Piece> pieces)
    {
        for (int start = word.Start; start < word.End;)
        {
            int limit = Math.Min(word.End, start + maxChars);
            int good = NextCharacter(start, word.End);
            int goodTokens = counter.Count(new Span(start, good));
            int bad = limit + 1;
            for (int probe = Align(Math.Min(limit, start + maxTokens)); probe > good;)
            {
                int tokens = counter.Count(new Span(start, probe));
                if (tokens > maxTokens)
                {
                    bad = probe;
                    break;
                }
                (good, goodTokens) = (probe, tokens);
                probe = Align(Math.Min(limit, start + 2 * (probe - start)));
            }
            while (bad - good > 1 && good < limit)
            {
                int mid = Align(good + (bad - good) / 2);
                if (mid <= good) mid = NextCharacter(good, word.End);
                if (mid >= bad) break;
                int tokens = counter.Count(new Span(start, mid));
                if (tokens <= maxTokens) (good, goodTokens) = (mid, tokens);
                else bad = mid;
            }
            pieces.Add(new Piece(new Span(start, good), counter.Cost(goodTokens)));
            start = good;
        }
    }

    private int NextCharacter(int index, int end) =>
        index + 1 < end && char.IsHighSurrogate(text[index]) && char.IsLowSurrogate(text[index + 1]) ? index + 2 : index + 1;

    private int Align(int index) =>
        index > 0 && index < text.Length && char.IsLowSurrogate(text[index]) && char.IsHighSurrogate(text[index - 1]) ? index - 1 : index;
}
