using System.Buffers;
using System.Text.RegularExpressions;
using Strata.Data.Pipeline;

namespace Strata.Data.Filters;

/// <summary>
/// C4's heuristics (Raffel et al. 2020) in the order datatrove's <c>C4QualityFilter</c> applies them per line: long
/// word, citations stripped, terminal punctuation, too few words, "lorem ipsum" (drops the document), "javascript",
/// "{" (drops the document), policy phrases; then the document needs enough sentences. Kept lines, stripped, become the
/// new text.
/// </summary>
public sealed partial class C4Filter(C4Options? options = null) : IDocumentStage
{
    private static readonly string[] PolicySubstrings =
        ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"];

    private readonly C4Options _options = options ?? new C4Options();

    /// <inheritdoc />
    public string Name => "c4";

    /// <inheritdoc />
    public bool ProseOnly => true;

    /// <inheritdoc />
    public StageResult Apply(Document document)
    {
        var o = _options;
        string text = document.Text;
        // Kept lines joined by '\n' are never longer than the text (each line but the last had a break of its own),
        // so one pooled buffer holds the result, and one more the current line lower-cased: no string per line.
        char[] kept = ArrayPool<char>.Shared.Rent(Math.Max(1, text.Length));
        char[] lower = ArrayPool<char>.Shared.Rent(Math.Max(1, text.Length));
        try
        {
            int length = 0, sentences = 0;
            bool any = false;
            int at = 0;
            while (PyText.NextLine(text, ref at, out var raw))
            {
                ReadOnlySpan<char> line = raw.Trim();
                // Words are counted before citations are removed, as in datatrove.
                var (words, longest) = WordsAndLongest(line);
                if (o.MaxWordLength != -1 && longest > o.MaxWordLength)
                    continue;
                if (o.RemoveCitations && line.Contains('['))
                    line = Citation().Replace(line.ToString(), "");
                if (o.FilterNoTerminalPunct && (!EndsWithTerminal(line) || line.EndsWith("...")))
                    continue;
                if (words < o.MinWordsPerLine)
                    continue;
                var lowered = lower.AsSpan(0, line.Length);
                line.ToLowerInvariant(lowered);
                if (o.FilterLoremIpsum && lowered.Contains("lorem ipsum", StringComparison.Ordinal))
                    return StageResult.Remove("lorem_ipsum");
                if (o.FilterJavascript && lowered.Contains("javascript", StringComparison.Ordinal))
                    continue;
                if (o.FilterCurlyBracket && line.Contains('{'))
                    return StageResult.Remove("curly_bracket");
                if (o.FilterPolicy && ContainsPolicy(lowered))
                    continue;
                if (o.MinNumSentences != -1)
                    sentences += WordSplitter.CountSentences(line);
                if (any) kept[length++] = '\n';
                line.CopyTo(kept.AsSpan(length));
                length += line.Length;
                any = true;
            }
            if (sentences < o.MinNumSentences)
                return StageResult.Remove("too_few_sentences");
            return StageResult.Keep(document.WithText(new string(kept.AsSpan(0, length).Trim())));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(kept);
            ArrayPool<char>.Shared.Return(lower);
        }
    }

    /// <summary>Python's <c>len(line.split())</c> and the longest of those words in code points.</summary>
    private static (int Words, int Longest) WordsAndLongest(ReadOnlySpan<char> line)
    {
        int words = 0, longest = 0, i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            int start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
            if (i == start) break;
            words++;
            longest = Math.Max(longest, PyText.Length(line[start..i]));
        }
        return (words, longest);
    }

    private static bool ContainsPolicy(ReadOnlySpan<char> lowered)
    {
        foreach (var phrase in PolicySubstrings)
        {
            if (lowered.Contains(phrase, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static bool EndsWithTerminal(ReadOnlySpan<char> line) =>
        line.Length > 0 && line[^1] is '.' or '?' or '!' or '"' or '\'';

    [GeneratedRegex(@"\[\d*]|\[edit]|\[citation needed]")]
    private static partial Regex Citation();
}
