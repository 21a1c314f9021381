using System.Text;

namespace Strata.Data.Extraction;

/// <summary>
/// The text of an uploaded file, by media type: plain text as it is, Markdown through <see cref="MarkdownText"/>,
/// HTML through <see cref="HtmlExtractor"/> (main content, title first), PDF through <see cref="PdfTextExtractor"/>.
/// Line endings become "\n", so character offsets into the result are stable whatever the source used.
/// </summary>
public static class DocumentText
{
    public static IReadOnlyList<string> MediaTypes { get; } = ["text/plain", "text/markdown", "text/html", "application/pdf"];

    /// <summary>The media type a file name implies (<c>.txt</c>, <c>.md</c>, <c>.html</c>, <c>.pdf</c>), or null.</summary>
    public static string? MediaTypeOf(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".txt" or ".text" => "text/plain",
        ".md" or ".markdown" => "text/markdown",
        ".html" or ".htm" => "text/html",
        ".pdf" => "application/pdf",
        _ => null,
    };

    /// <exception cref="NotSupportedException">A media type not in <see cref="MediaTypes"/>.</exception>
    /// <exception cref="InvalidDataException">Bytes that are not what the media type says (invalid UTF-8, a broken PDF).</exception>
    public static string Extract(ReadOnlySpan<byte> content, string mediaType)
    {
        string text = mediaType switch
        {
            "text/plain" => Decode(content),
            "text/markdown" => MarkdownText.Convert(Decode(content)),
            "text/html" => Html(content.ToArray()),
            "application/pdf" => Pdf(content.ToArray()),
            _ => throw new NotSupportedException($"media type '{mediaType}' is not supported ({string.Join(", ", MediaTypes)})"),
        };
        return text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
    }

    private static string Decode(ReadOnlySpan<byte> content)
    {
        try
        {
            var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
            string text = utf8.GetString(content);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"the text is not valid UTF-8 (byte {e.Index})", e);
        }
    }

    private static string Html(byte[] content)
    {
        var page = new HtmlExtractor().Extract(new MemoryStream(content));
        return page.Title is { Length: > 0 } title && !page.Text.StartsWith(title, StringComparison.Ordinal) ? $"{title}\n\n{page.Text}" : page.Text;
    }

    private static string Pdf(byte[] content)
    {
        try
        {
            return PdfTextExtractor.Extract(new MemoryStream(content));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"the PDF could not be read: {e.Message}", e);
        }
    }
}
