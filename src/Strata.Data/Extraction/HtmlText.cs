using System.Text;
using AngleSharp.Dom;

namespace Strata.Data.Extraction;

/// <summary>
/// Renders a DOM subtree as plain text the way a reader sees it: paragraphs, headings, quotes, code blocks and tables
/// separated by blank lines, list items, table rows and line breaks on lines of their own, whitespace collapsed
/// except inside <c>&lt;pre&gt;</c>.
/// </summary>
internal static class HtmlText
{
    // Elements that never hold readable text, wherever they appear.
    internal static readonly HashSet<string> Invisible = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "head", "button",
        "select", "option", "input", "textarea", "map", "audio", "video", "source", "picture", "img", "link", "meta",
    };

    private static readonly HashSet<string> Paragraphs = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl", "figure", "hr",
        "article", "section", "main", "header", "footer", "aside", "nav", "address", "details", "summary", "form",
    };

    private static readonly HashSet<string> Lines = new(StringComparer.OrdinalIgnoreCase)
    {
        "div", "li", "tr", "dt", "dd", "figcaption", "caption", "br", "center", "fieldset", "legend", "tbody", "thead",
        "tfoot",
    };

    /// <summary>The text of a node and its descendants.</summary>
    public static string Render(INode node)
    {
        var writer = new Writer();
        Walk(node, writer, inPre: false);
        return writer.ToString();
    }

    private static void Walk(INode node, Writer writer, bool inPre)
    {
        if (node is IText text)
        {
            writer.Text(text.Data, inPre);
            return;
        }
        if (node is not IElement element)
        {
            if (node.NodeType is NodeType.Document or NodeType.DocumentFragment)
            {
                foreach (var child in node.ChildNodes)
                {
                    Walk(child, writer, inPre);
                }
            }
            return;
        }
        string name = element.LocalName;
        if (Invisible.Contains(name) || element.HasAttribute("hidden"))
        {
            return;
        }
        int breaks = Paragraphs.Contains(name) ? 2 : Lines.Contains(name) ? 1 : 0;
        bool cell = name is "td" or "th";
        writer.Break(breaks);
        if (cell)
        {
            writer.Separator();
        }
        bool pre = inPre || name == "pre";
        foreach (var child in element.ChildNodes)
        {
            Walk(child, writer, pre);
        }
        writer.Break(breaks);
        if (cell)
        {
            writer.Separator();
        }
    }

    /// <summary>Collects text with at most one pending space or run of newlines between words.</summary>
    private sealed class Writer
    {
        private readonly StringBuilder text = new();
        private int pendingBreaks;
        private bool pendingSpace;

        public void Break(int count)
        {
            if (count > pendingBreaks)
            {
                pendingBreaks = count;
            }
        }

        public void Separator() => pendingSpace = true;

        public void Text(string data, bool verbatim)
        {
            if (verbatim)
            {
                Flush();
                text.Append(data.Replace("\r\n", "\n", StringComparison.Ordinal));
                return;
            }
            foreach (char c in data)
            {
                if (char.IsWhiteSpace(c))
                {
                    pendingSpace = true;
                    continue;
                }
                Flush();
                text.Append(c);
            }
        }

        private void Flush()
        {
            if (text.Length > 0)
            {
                if (pendingBreaks > 0)
                {
                    TrimEndSpaces();
                    int have = TrailingNewlines();
                    text.Append('\n', Math.Max(0, pendingBreaks - have));
                }
                else if (pendingSpace && text[^1] != '\n' && text[^1] != ' ')
                {
                    text.Append(' ');
                }
            }
            pendingBreaks = 0;
            pendingSpace = false;
        }

        private void TrimEndSpaces()
        {
            int end = text.Length;
            while (end > 0 && text[end - 1] is ' ' or '\t')
            {
                end--;
            }
            text.Length = end;
        }

        private int TrailingNewlines()
        {
            int count = 0;
            for (int i = text.Length - 1; i >= 0 && text[i] == '\n'; i--)
            {
                count++;
            }
            return count;
        }

        public override string ToString() => text.ToString().Trim();
    }
}
