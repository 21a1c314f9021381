using System.Text.RegularExpressions;
namespace Strata.Data.Filters;

/// <summary>
/// Gopher's repetition rules computed as datatrove's <c>GopherRepetitionFilter</c> computes them: duplicate
/// paragraphs and lines (count and characters), the most frequent 2–4-gram's character share, and the characters in
/// repeated 5–10-grams. All character shares are over the whole text's length.
/// </summary>
public sealed partial class GopherRepetitionFilter(GopherRepetitionOptions? options = null) : ProseRule
{
    private readonly GopherRepetitionOptions _options = options ?? new GopherRepetitionOptions();

    public override string Name => "gopher_repetition";

    protected override string? Check(string text)
    {
        var o = _options;
        double length = PyText.Length(text);
        if (length == 0)
            return null; // datatrove would divide by zero; an empty text has nothing repeated

        var paragraphs = ParagraphBreak().Split(text.Trim());
        var (paraDups, paraDupChars) = FindDuplicates(paragraphs);
        if (Enabled(o.DupParaFrac, out var t) && (double)paraDups / paragraphs.Length > t)
            return "dup_para_frac";
        if (Enabled(o.DupParaCharFrac, out t) && paraDupChars / length > t)
            return "dup_para_char_frac";

        // Not stripped: a leading or trailing newline yields an empty first or last line, as in datatrove.
        var lines = LineBreak().Split(text);
        var (lineDups, lineDupChars) = FindDuplicates(lines);
        if (Enabled(o.DupLineFrac, out t) && (double)lineDups / lines.Length > t)
            return "dup_line_frac";
        if (Enabled(o.DupLineCharFrac, out t) && lineDupChars / length > t)
            return "dup_line_char_frac";

        var grams = new WordGrams(WordSplitter.Words(text));
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

    /// <summary>How many elements repeat an earlier one, and their total length (datatrove's find_duplicates).</summary>
    internal static (int Elements, int Chars) FindDuplicates(IEnumerable<string> elements)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int count = 0, chars = 0;
        foreach (var e in elements)
        {
            if (!seen.Add(e))
            {
                count++;
                chars += PyText.Length(e);
            }
        }
        return (count, chars);
    }

    /// <summary>Length × count of the most frequent space-joined n-gram; ties go to the first seen (Counter.most_common).</summary>
    private static int TopNGramChars(WordGrams grams, int n)
    {
        // Dictionary enumerates in insertion order while nothing is removed, which is what makes the tie rule hold.
        var counts = new Dictionary<(ulong, int), int>();
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
        var seen = new HashSet<(ulong, int)>();
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

    [GeneratedRegex(@"\n{2,}")]
    private static partial Regex ParagraphBreak();

    [GeneratedRegex(@"\n+")]
    private static partial Regex LineBreak();
}
