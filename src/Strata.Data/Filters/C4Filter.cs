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
        var sentences = 0;
        var kept = new List<string>();
        foreach (var raw in PyText.SplitLines(document.Text))
        {
            var line = raw.Trim();
            // Words are counted before citations are removed, as in datatrove.
            var words = PyText.SplitWhitespace(line);
            if (o.MaxWordLength != -1 && words.Any(w => PyText.Length(w) > o.MaxWordLength))
                continue;
            if (o.RemoveCitations)
                line = Citation().Replace(line, "");
            if (o.FilterNoTerminalPunct && (!EndsWithTerminal(line) || line.EndsWith("...", StringComparison.Ordinal)))
                continue;
            if (words.Length < o.MinWordsPerLine)
                continue;
            var lower = line.ToLowerInvariant();
            if (o.FilterLoremIpsum && lower.Contains("lorem ipsum", StringComparison.Ordinal))
                return StageResult.Remove("lorem_ipsum");
            if (o.FilterJavascript && lower.Contains("javascript", StringComparison.Ordinal))
                continue;
            if (o.FilterCurlyBracket && line.Contains('{'))
                return StageResult.Remove("curly_bracket");
            if (o.FilterPolicy && PolicySubstrings.Any(p => lower.Contains(p, StringComparison.Ordinal)))
                continue;
            if (o.MinNumSentences != -1)
                sentences += WordSplitter.Sentences(line).Count;
            kept.Add(line);
        }
        if (sentences < o.MinNumSentences)
            return StageResult.Remove("too_few_sentences");
        return StageResult.Keep(document.WithText(string.Join('\n', kept).Trim()));
    }

    private static bool EndsWithTerminal(string line) =>
        line.Length > 0 && line[^1] is '.' or '?' or '!' or '"' or '\'';

    [GeneratedRegex(@"\[\d*]|\[edit]|\[citation needed]")]
    private static partial Regex Citation();
}
