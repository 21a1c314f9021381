using Strata.Data.Extraction;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Strata.Data.Tests.Extraction;

public sealed class PdfTextExtractorTests
{
    [Fact]
    public void ExtractsPagesInOrder_SeparatedByBlankLines()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var first = builder.AddPage(PageSize.A4);
        first.AddText("First line of the report", 12, new PdfPoint(50, 750), font);
        first.AddText("Second line follows", 12, new PdfPoint(50, 730), font);
        builder.AddPage(PageSize.A4).AddText("Page two text", 12, new PdfPoint(50, 750), font);
        using var pdf = new MemoryStream(builder.Build());

        string text = PdfTextExtractor.Extract(pdf);

        Assert.Equal("First line of the report\nSecond line follows\n\nPage two text", text.Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
