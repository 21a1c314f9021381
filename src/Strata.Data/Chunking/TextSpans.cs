namespace Strata.Data.Chunking;

/// <summary>A range <c>[Start, End)</c> of the document text (UTF-16 offsets).</summary>
internal readonly record struct Span(int Start, int End)
{
    public int Length => End - Start;
}

/// <summary>
/// The structural units of plain text as spans into it: blocks (separated by blank lines), lines and words. Every span
/// is trimmed, so it starts and ends on a non-space character, and the text between two neighbours is whitespace only;
/// together the spans hold every non-space character of the range.
/// </summary>
internal static class TextSpans
{
    public static Span Trim(string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return new Span(start, end);
    }

    /// <summary>Blocks: runs of non-blank lines; a line of only whitespace ends a block.</summary>
    public static List<Span> Blocks(string text, Span range) => SplitLines(text, range, joinLines: true);

    /// <summary>Non-blank lines.</summary>
    public static List<Span> Lines(string text, Span range) => SplitLines(text, range, joinLines: false);

    /// <summary>Runs of non-space characters.</summary>
    public static List<Span> Words(string text, Span range)
    {
        var words = new List<Span>();
        int start = -1;
        for (int i = range.Start; i < range.End; i++)
        {
            bool space = char.IsWhiteSpace(text[i]);
            if (!space && start < 0) start = i;
            if (space && start >= 0)
            {
                words.Add(new Span(start, i));
                start = -1;
            }
        }
        if (start >= 0) words.Add(new Span(start, range.End));
        return words;
    }

    private static List<Span> SplitLines(string text, Span range, bool joinLines)
    {
        var spans = new List<Span>();
        int blockStart = -1, blockEnd = -1;
        for (int lineStart = range.Start; lineStart < range.End;)
        {
            int newline = text.IndexOf('\n', lineStart, range.End - lineStart);
            int lineEnd = newline < 0 ? range.End : newline;
            var line = Trim(text, lineStart, lineEnd);
            if (line.Length == 0 && blockStart >= 0)
            {
                spans.Add(new Span(blockStart, blockEnd));
                blockStart = -1;
            }
            else if (line.Length > 0 && !joinLines)
            {
                spans.Add(line);
            }
            else if (line.Length > 0)
            {
                if (blockStart < 0) blockStart = line.Start;
                blockEnd = line.End;
            }
            lineStart = lineEnd + 1;
        }
        if (blockStart >= 0) spans.Add(new Span(blockStart, blockEnd));
        return spans;
    }
}
