using System.Text;
using System.Text.RegularExpressions;

namespace Strata.Serving.Grounding;

/// <summary>A span an answer's own markup cites, in the answer's text with the markup removed.</summary>
/// <param name="Documents">Indexes into the request's documents.</param>
public readonly record struct MarkedSpan(int Start, int End, IReadOnlyList<int> Documents);

/// <summary>
/// Command R's citation markup, which models whose template renders <c>documents</c> write into their answers:
/// Command R7B writes <c>&lt;co&gt;span&lt;/co: 0:[1,2]&gt;</c> (sources as tool-call id : result indexes; injected documents are
/// tool call 0), Command R and R+ write <c>&lt;co: 1,2&gt;span&lt;/co: 1,2&gt;</c> (document indexes). Tags are removed
/// from the text; malformed or unclosed tags are removed too and cite nothing.
/// </summary>
public static partial class CitationMarkup
{
    /// <summary>Whether <paramref name="text"/> holds any citation tag.</summary>
    public static bool HasMarkup(string text) => Tag().IsMatch(text);

    /// <summary>The text without tags, and each closed span with the documents it names.</summary>
    public static (string Text, IReadOnlyList<MarkedSpan> Spans) Parse(string raw)
    {
        var text = new StringBuilder(raw.Length);
        var spans = new List<MarkedSpan>();
        int? open = null;
        int at = 0;
        foreach (Match tag in Tag().Matches(raw))
        {
            text.Append(raw, at, tag.Index - at);
            at = tag.Index + tag.Length;
            if (!tag.Groups["close"].Success)
            {
                open = text.Length;
                continue;
            }
            if (open is int start && text.Length > start)
            {
                var documents = Documents(tag.Groups["sources"].Value);
                if (documents.Count > 0) spans.Add(new MarkedSpan(start, text.Length, documents));
            }
            open = null;
        }
        text.Append(raw, at, raw.Length - at);
        return (text.ToString(), spans);
    }

    /// <summary>"0:[1,2],1:[0]" (R7B: only tool call 0, the documents) or "1,2" (R/R+).</summary>
    private static List<int> Documents(string sources)
    {
        var found = new List<int>();
        if (sources.Contains('['))
        {
            foreach (Match group in Group().Matches(sources))
            {
                if (group.Groups["call"].Value.Trim() != "0") continue;
                found.AddRange(Numbers(group.Groups["results"].Value));
            }
        }
        else found.AddRange(Numbers(sources));
        return found.Distinct().ToList();
    }

    private static IEnumerable<int> Numbers(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(n => int.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i) ? i : -1)
        .Where(i => i >= 0);

    /// <summary>An opening <c>&lt;co&gt;</c> or <c>&lt;co: …&gt;</c>, or a closing <c>&lt;/co: …&gt;</c> or <c>&lt;/co&gt;</c>.</summary>
    [GeneratedRegex(@"<(?<close>/)?co(?::\s*(?<sources>[^<>]*))?>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"(?<call>[^:\[\],]+):\s*\[(?<results>[^\]]*)\]")]
    private static partial Regex Group();
}

/// <summary>
/// Removes citation tags from an answer as it streams, holding back a trailing fragment that may still become a tag
/// (a delta can end inside <c>&lt;/co: 0:[</c>), so clients never see markup.
/// </summary>
public sealed class CitationMarkupFilter
{
    private const int LongestTag = 64;   // a fragment longer than any plausible tag is text, not a tag to wait for
    private string pending = "";

    /// <summary>The displayable text of <paramref name="delta"/> (possibly empty while a tag is incomplete).</summary>
    public string Push(string delta)
    {
        string buffer = pending + delta;
        int hold = Holdback(buffer);
        pending = buffer[hold..];
        return CitationMarkup.Parse(buffer[..hold]).Text;
    }

    /// <summary>Whatever is held back at the end of the answer.</summary>
    public string Flush()
    {
        string rest = CitationMarkup.Parse(pending).Text;
        pending = "";
        return rest;
    }

    /// <summary>Where a trailing possible tag starts, or the buffer's length when there is none.</summary>
    private static int Holdback(string buffer)
    {
        int lt = buffer.LastIndexOf('<');
        if (lt < 0 || buffer.IndexOf('>', lt) >= 0 || buffer.Length - lt > LongestTag) return buffer.Length;
        string fragment = buffer[lt..];
        bool mayBeTag = "<co".StartsWith(fragment, StringComparison.Ordinal) || "</co".StartsWith(fragment, StringComparison.Ordinal)
            || fragment.StartsWith("<co", StringComparison.Ordinal) || fragment.StartsWith("</co", StringComparison.Ordinal);
        return mayBeTag ? lt : buffer.Length;
    }
}
