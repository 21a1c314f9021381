namespace Strata.Data.Filters;

/// <summary>
/// Gopher's repetition rules computed as datatrove's <c>GopherRepetitionFilter</c> computes them: duplicate
/// paragraphs and lines (count and characters), the most frequent 2–4-gram's character share, and the characters in
/// repeated 5–10-grams. All character shares are over the whole text's length.
/// </summary>
public sealed class GopherRepetitionFilter(GopherRepetitionOptions? options = null) : ProseRule
{
    private readonly GopherRepetitionOptions _options = options ?? new GopherRepetitionOptions();

    public override string Name => "gopher_repetition";

    protected override string? Check(string text)
    {
        var o = _options;
        double length = PyText.Length(text);
        if (length == 0)
            return null; // datatrove would divide by zero; an empty text has nothing repeated

        // Paragraphs are split at runs of two or more newlines after stripping, lines at runs of one or more.
        var (paragraphs, paraDups, paraDupChars) = Repeats.OfPieces(text.AsSpan().Trim(), minNewlines: 2);
        if (Enabled(o.DupParaFrac, out var t) && (double)paraDups / paragraphs > t)
            return "dup_para_frac";
        if (Enabled(o.DupParaCharFrac, out t) && paraDupChars / length > t)
            return "dup_para_char_frac";

        // Not stripped: a leading or trailing newline yields an empty first or last line, as in datatrove.
        var (lines, lineDups, lineDupChars) = Repeats.OfPieces(text, minNewlines: 1);
        if (Enabled(o.DupLineFrac, out t) && (double)lineDups / lines > t)
            return "dup_line_frac";
        if (Enabled(o.DupLineCharFrac, out t) && lineDupChars / length > t)
            return "dup_line_char_frac";

        var grams = WordGrams.For(WordSplitter.Words(text));
        foreach (var (n, max) in o.TopNGrams)
        {
            if (grams.Count < n || max <= 0)
                continue;
            if (TopNGramChars(grams, n) / length > max)
                return $"top_{n}_gram";
        }
        foreach (var (n, max) in o.DupNGrams)
        {
            if (max > 0 && RepeatedNGramChars(grams, n) / length > max)
                return $"duplicated_{n}_n_grams";
        }
        return null;
    }

    private static bool Enabled(double? threshold, out double value)
    {
        value = threshold ?? 0;
        return value > 0;
    }

    [ThreadStatic] private static Dictionary<(ulong, int), int>? gramCounts;

    /// <summary>Length × count of the most frequent space-joined n-gram; ties go to the first seen (Counter.most_common).</summary>
    private static int TopNGramChars(WordGrams grams, int n)
    {
        // Dictionary enumerates in insertion order while nothing is removed (Clear included), which is what makes the
        // tie rule hold.
        var counts = gramCounts ??= [];
        counts.Clear();
        (ulong, int) top = default;
        var topCount = 0;
        for (var i = 0; i + n <= grams.Count; i++)
        {
            var gram = grams.Joined(i, n);
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        foreach (var (gram, c) in counts)
        {
            if (c > topCount)
            {
                top = gram;
                topCount = c;
            }
        }
        return topCount == 0 ? 0 : top.Item2 * topCount;
    }

    private static int RepeatedNGramChars(WordGrams grams, int n)
    {
        var seen = Repeats.Scratch();
        var repeated = 0;
        var i = 0;
        while (i < grams.Count - n + 1)
        {
            var gram = grams.Concatenated(i, n);
            if (seen.Add(gram))
            {
                i++;
            }
            else
            {
                repeated += gram.Item2;
                i += n;
            }
        }
        return repeated;
    }
}
