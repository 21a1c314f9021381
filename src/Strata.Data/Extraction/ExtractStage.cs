using Strata.Data.Pipeline;

namespace Strata.Data.Extraction;

/// <summary>Options of <see cref="ExtractStage"/>.</summary>
public sealed record ExtractOptions
{
    /// <summary>How HTML pages are reduced to their main content.</summary>
    public HtmlExtractorOptions Html { get; init; } = new();

    /// <summary>Sniff untyped text for HTML; when false, only <see cref="Document.ContentKindKey"/> = html is extracted as HTML.</summary>
    public bool SniffHtml { get; init; } = true;

    /// <summary>Fraction of characters inside <c>&lt;…&gt;</c> tags above which untyped text counts as HTML.</summary>
    public double HtmlTagDensity { get; init; } = 0.2;
}

/// <summary>
/// The extract stage: turns HTML pages and Markdown into clean prose text, sets <c>title</c> when the page has one and
/// <c>content_kind</c> = prose, and removes documents with nothing left (<c>empty_after_extraction</c>). Plain text
/// passes through unchanged. PDFs are extracted by the reader with <see cref="PdfTextExtractor"/>.
/// </summary>
public sealed class ExtractStage(ExtractOptions? options = null) : IDocumentStage
{
    /// <summary>Reason given for documents with no text after extraction.</summary>
    public const string EmptyReason = "empty_after_extraction";

    /// <summary>Meta key for the page title.</summary>
    public const string TitleKey = "title";

    private readonly ExtractOptions options = options ?? new();
    private readonly HtmlExtractor html = new((options ?? new()).Html);

    /// <inheritdoc/>
    public string Name => "extract";

    /// <inheritdoc/>
    public StageResult Apply(Document document)
    {
        string kind = document.ContentKind ?? (options.SniffHtml && LooksLikeHtml(document.Text, options.HtmlTagDensity) ? ContentKinds.Html : "");
        string text;
        switch (kind)
        {
            case ContentKinds.Html:
                var page = html.Extract(document.Text);
                text = page.Text;
                if (page.Title is { } title)
                {
                    document.Meta[TitleKey] = title;
                }
                break;
            case ContentKinds.Markdown:
                text = MarkdownText.Convert(document.Text);
                break;
            case ContentKinds.Prose or ContentKinds.Code:
                // Already extracted (or classified as code, which extraction must not rewrite).
                return string.IsNullOrWhiteSpace(document.Text) ? StageResult.Remove(EmptyReason) : StageResult.Keep(document);
            default:
                text = document.Text.Trim();
                break;
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            return StageResult.Remove(EmptyReason);
        }
        document.Meta[Document.ContentKindKey] = ContentKinds.Prose;
        return StageResult.Keep(document.WithText(text));
    }

    /// <summary>
    /// True when text opens like an HTML document or when tags make up a large share of it (an HTML fragment);
    /// prose mentioning a tag or two stays below the density.
    /// </summary>
    public static bool LooksLikeHtml(string text, double tagDensity)
    {
        var start = text.AsSpan().TrimStart();
        if (start.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        int inTags = 0, tags = 0;
        for (int i = 0; i < text.Length; i++)
        {
            // A tag starts with '<' followed by a letter, '/' or '!' and runs to the next '>'.
            if (text[i] == '<' && i + 1 < text.Length && (char.IsAsciiLetter(text[i + 1]) || text[i + 1] is '/' or '!'))
            {
                int end = text.IndexOf('>', i + 1);
                if (end < 0)
                {
                    break;
                }
                inTags += end - i + 1;
                tags++;
                i = end;
            }
        }
        return tags >= 2 && inTags >= tagDensity * text.Length;
    }
}
