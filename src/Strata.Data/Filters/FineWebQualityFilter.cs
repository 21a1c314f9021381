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
        // One pass over the non-blank lines gathers what the rules below need, in their order of checking.
        var span = text.AsSpan();
        var seen = Repeats.Scratch();
        int lines = 0, terminal = 0, shortLines = 0, dupChars = 0, newlines = 0;
        foreach (var range in span.Split('\n'))
        {
            var line = span[range];
            if (range.End.Value < span.Length) newlines++;
            if (line.Trim().IsEmpty)
                continue;
            lines++;
            // Lines are not stripped here: a trailing space after the full stop means the line does not count.
            if (Punctuation.EndsWithTerminal(line)) terminal++;
            int length = PyText.Length(line);
            if (length <= o.ShortLineLength) shortLines++;
            if (!seen.Add(Repeats.Key(line))) dupChars += length;
        }
        if (lines == 0)
            return "empty";

        var punct = (double)terminal / lines;
        if (punct < o.LinePunctThreshold && !(punct == 0 && o.LinePunctExcludeZero))
            return "line_punct_ratio";

        if ((double)shortLines / lines > o.ShortLineThreshold)
            return "short_line_ratio";

        if ((double)dupChars / (PyText.Length(text) - newlines) > o.CharDuplicatesRatio)
            return "char_dup_ratio";

        var words = WordSplitter.Words(text);
        if (words.Count > 0 && (double)newlines / words.Count > o.NewLineRatio)
            return "list_ratio";
        return null;
    }
}
