namespace Strata.Data.Chunking;

/// <summary>A heading and the blocks under it, up to the next heading; the text before the first heading has none.</summary>
/// <param name="BodyStart">Where the first block after the section's heading lines starts; <c>Range.End</c> when none does.</param>
internal sealed record Section(Span Range, string? Heading, int BodyStart);

/// <summary>
/// Splits text into sections at headings. A heading is a block of one line (MarkdownText and HTML extraction put every
/// heading in a block of its own) that is either a Markdown heading, <c>#</c> to <c>######</c> then a space, or
/// title-like: at most 80 characters, with a letter, starting (after opening quotes or brackets) with an upper-case
/// letter or a digit, not ending in <c>. , ; : !</c> (a question may be a heading), and followed by a longer block or by
/// another heading. The last two conditions keep table cells, tweet attributions and one-line quotes out. Consecutive
/// headings ("Chapter 1", then "Introduction") open one section whose heading is the last of them, so no chunk holds
/// only a heading.
/// </summary>
internal static class Sections
{
    private const int MaxTitleChars = 80;

    public static List<Section> Find(string text)
    {
        var blocks = TextSpans.Blocks(text, new Span(0, text.Length));
        var headings = Headings(text, blocks);
        var sections = new List<Section>();
        int start = blocks.Count > 0 ? blocks[0].Start : 0;
        int bodyStart = -1;
        string? heading = null;
        for (int i = 0; i < blocks.Count; i++)
        {
            if (headings[i] is not null && i > 0 && headings[i - 1] is null)
            {
                sections.Add(new Section(new Span(start, blocks[i - 1].End), heading, bodyStart));
                (start, bodyStart) = (blocks[i].Start, -1);
            }
            if (headings[i] is null && bodyStart < 0) bodyStart = blocks[i].Start;
            heading = headings[i] ?? heading;
        }
        if (blocks.Count > 0) sections.Add(new Section(new Span(start, blocks[^1].End), heading, bodyStart < 0 ? blocks[^1].End : bodyStart));
        return sections;
    }

    /// <summary>Each block's heading text (without Markdown's <c>#</c> marks), or null for a block that is not one.</summary>
    public static string?[] Headings(string text, List<Span> blocks)
    {
        // From the end, since a title-like block is a heading when the block after it is one.
        var headings = new string?[blocks.Count];
        for (int i = blocks.Count - 1; i >= 0; i--)
        {
            var line = text.AsSpan(blocks[i].Start, blocks[i].Length);
            if (line.Contains('\n')) continue;
            if (MarkdownHeading(line) is { } title)
            {
                headings[i] = title;
            }
            else if (i + 1 < blocks.Count && (headings[i + 1] is not null || blocks[i + 1].Length > line.Length) && IsTitleLike(line))
            {
                headings[i] = line.ToString();
            }
        }
        return headings;
    }

    private static string? MarkdownHeading(ReadOnlySpan<char> line)
    {
        int marks = 0;
        while (marks < line.Length && line[marks] == '#') marks++;
        if (marks is 0 or > 6 || marks == line.Length || line[marks] is not (' ' or '\t')) return null;
        var title = WithoutClosingMarks(line[marks..].Trim());
        return title.Length > 0 ? title.ToString() : null;
    }

    // "## Usage ##" closes with marks after a space; "# C#" does not.
    private static ReadOnlySpan<char> WithoutClosingMarks(ReadOnlySpan<char> title)
    {
        int end = title.Length;
        while (end > 0 && title[end - 1] == '#') end--;
        return end == 0 || char.IsWhiteSpace(title[end - 1]) ? title[..end].TrimEnd() : title;
    }

    private static bool IsTitleLike(ReadOnlySpan<char> line)
    {
        if (line.Length > MaxTitleChars || line[^1] is '.' or ',' or ';' or ':' or '!') return false;
        int first = line.IndexOfAnyExcept("\"'“‘([".AsSpan());
        if (first < 0 || !char.IsLetterOrDigit(line[first]) || char.IsLower(line[first])) return false;
        foreach (char c in line)
        {
            if (char.IsLetter(c)) return true;
        }
        return false;
    }
}
