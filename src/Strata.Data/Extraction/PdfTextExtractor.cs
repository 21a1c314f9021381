using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Strata.Data.Extraction;

/// <summary>
/// Text of a PDF with PdfPig: each page's text in content-stream order (PdfPig's default reading order, with line
/// breaks where the text moves to a new line), pages separated by blank lines. PDF bytes cannot live in a JSONL string,
/// so the corpus reader calls this on <c>.pdf</c> files rather than the extract stage.
/// </summary>
public static class PdfTextExtractor
{
    /// <summary>Extracts the text of every page; pages without text are skipped.</summary>
    public static string Extract(Stream pdf)
    {
        using var document = PdfDocument.Open(pdf);
        var pages = new List<string>();
        foreach (var page in document.GetPages())
        {
            string text = ContentOrderTextExtractor.GetText(page).Trim();
            if (text.Length > 0)
            {
                pages.Add(text);
            }
        }
        return string.Join("\n\n", pages);
    }
}
