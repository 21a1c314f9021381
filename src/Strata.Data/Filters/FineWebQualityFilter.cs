namespace Strata.Data.Filters;

/// <summary>
/// FineWeb's additional rules as datatrove's <c>FineWebQualityFilter</c> applies them to non-blank lines: enough lines
/// ending in terminal punctuation, not too many short lines, few characters in duplicated lines, and not too many
/// newlines per word.
/// </summary>
public sealed class FineWebQualityFilter(FineWebQualityOptions? options = null) : ProseRule
{
    private readonly FineWebQualityOptions _options = options ?? new FineWebQualityOptions();

    public override string Name => "fineweb_quality";

    protected override string? Check(string text)
    {
        var o = _options;
        var lines = text.Split('\n').Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count == 0)
            return "empty";

        // Lines are not stripped here: a trailing space after the full stop means the line does not count.
        var punct = (double)lines.Count(Punctuation.EndsWithTerminal) / lines.Count;
        if (punct < o.LinePunctThreshold && !(punct == 0 && o.LinePunctExcludeZero))
            return "line_punct_ratio";

        var shortLines = (double)lines.Count(l => PyText.Length(l) <= o.ShortLineLength) / lines.Count;
        if (shortLines > o.ShortLineThreshold)
            return "short_line_ratio";

        var dupChars = GopherRepetitionFilter.FindDuplicates(lines).Chars;
        if ((double)dupChars / PyText.Length(text.Replace("\n", "")) > o.CharDuplicatesRatio)
            return "char_dup_ratio";

        var words = WordSplitter.Words(text);
        var newlines = text.Count(c => c == '\n');
        if (words.Count > 0 && (double)newlines / words.Count > o.NewLineRatio)
            return "list_ratio";
        return null;
    }
}
