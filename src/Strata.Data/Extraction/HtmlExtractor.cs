using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using SmartReader;

namespace Strata.Data.Extraction;

/// <summary>Options of <see cref="HtmlExtractor"/>.</summary>
public sealed record HtmlExtractorOptions
{
    /// <summary>Run SmartReader (the Readability.js port) to pick the main-content candidate.</summary>
    public bool UseReadability { get; init; } = true;

    /// <summary>Prune captions, bylines, share/related widgets and link lists from Readability's candidate.</summary>
    public bool Prune { get; init; } = true;

    /// <summary>Blocks holding more than this fraction of the candidate's text are kept whatever their class names say.</summary>
    public double PruneGuardFraction { get; init; } = 0.4;

    /// <summary>
    /// When Readability's candidate has fewer non-space characters than this (short pages, unusual layouts), the whole
    /// pruned body is used instead if it holds more.
    /// </summary>
    public int MinArticleChars { get; init; } = 200;
}

/// <summary>The main content of an HTML page.</summary>
/// <param name="Title">The page's title, when it has one.</param>
/// <param name="Text">Main-content text: paragraphs separated by blank lines, headings and list items on lines of their own.</param>
public sealed record ExtractedPage(string? Title, string Text);

/// <summary>
/// Main-content extraction from HTML pages: drops navigation, ads, comments, footers and other boilerplate and keeps
/// the article's title, paragraphs, headings, lists, code blocks and tables as text. Thread-safe.
/// </summary>
public sealed class HtmlExtractor(HtmlExtractorOptions? options = null)
{
    // Readability needs a base address to resolve links; the text never contains it.
    private const string PlaceholderUrl = "https://localhost/";

    private readonly HtmlExtractorOptions options = options ?? new();

    /// <summary>Extracts from decoded HTML text.</summary>
    public ExtractedPage Extract(string html) => Extract(new HtmlParser().ParseDocument(html));

    /// <summary>Extracts from raw bytes, decoding them as the page declares (BOM, meta charset) or as UTF-8.</summary>
    public ExtractedPage Extract(Stream html) => Extract(new HtmlParser().ParseDocument(html));

    private ExtractedPage Extract(IHtmlDocument document)
    {
        string? title = Normalise(document.Title);
        string? article = null;
        if (options.UseReadability)
        {
            // Readability edits the document it is given; the fallback needs the page as it was.
            var original = (IHtmlDocument)document.Clone(deep: true);
            (title, article) = Readability(document, title);
            document = original;
            if (article is not null && CountNonSpace(article) >= options.MinArticleChars)
            {
                return new ExtractedPage(title, article);
            }
        }
        string body = document.Body is { } element ? BodyText(element) : "";
        return new ExtractedPage(title, CountNonSpace(body) > CountNonSpace(article) ? body : article ?? "");
    }

    private string BodyText(IElement body)
    {
        Prune(body);
        return HtmlText.Render(body);
    }

    private void Prune(IElement root)
    {
        if (options.Prune)
        {
            Boilerplate.Prune(root, (int)(options.PruneGuardFraction * CountNonSpace(root.TextContent)));
        }
    }

    private (string? Title, string? Text) Readability(IHtmlDocument document, string? title)
    {
        // Classes are kept so that the pruning below can read the template's names for its blocks.
        var article = new Reader(PlaceholderUrl, document) { KeepClasses = true }.GetArticle();
        if (string.IsNullOrWhiteSpace(article.Content))
        {
            return (title, null);
        }
        var content = new HtmlParser().ParseDocument("<html><body>" + article.Content + "</body></html>").Body!;
        Prune(content);
        return (Normalise(article.Title) ?? title, HtmlText.Render(content));
    }

    private static int CountNonSpace(string? text) => text is null ? 0 : text.Count(c => !char.IsWhiteSpace(c));

    private static string? Normalise(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
