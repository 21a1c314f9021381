using System.Text.Json.Nodes;
using Strata.Data.Extraction;

namespace Strata.Data.Tests.Extraction;

public sealed class ExtractStageTests
{
    private const string Paragraph = "<p>The committee published its findings on Tuesday after a long review of the evidence gathered during the spring.</p>";

    private static Document Doc(string text, string? kind = null)
    {
        var meta = new JsonObject();
        if (kind is not null)
        {
            meta[Document.ContentKindKey] = kind;
        }
        return new Document("d1", text, meta);
    }

    [Fact]
    public void SniffedHtml_IsExtracted_WithTitleAndProseKind()
    {
        var result = new ExtractStage().Apply(Doc($"<!DOCTYPE html><html><head><title>Findings</title></head><body><nav><a href='/'>Home</a></nav>{Paragraph}</body></html>"));
        Assert.True(result.Kept);
        Assert.StartsWith("The committee published its findings", result.Document!.Text);
        Assert.DoesNotContain("<p>", result.Document.Text);
        Assert.Equal("Findings", (string?)result.Document.Meta[ExtractStage.TitleKey]);
        Assert.Equal(ContentKinds.Prose, result.Document.ContentKind);
    }

    [Fact]
    public void MarkdownKind_IsConverted()
    {
        var result = new ExtractStage().Apply(Doc("## Notes\n\nSee [here](http://x.org).", ContentKinds.Markdown));
        Assert.Equal("Notes\n\nSee here.", result.Document!.Text);
        Assert.Equal(ContentKinds.Prose, result.Document.ContentKind);
    }

    [Fact]
    public void PlainText_PassesThroughUnchanged()
    {
        const string text = "A sentence about 3 < 4 and x > y, which is not HTML.";
        var result = new ExtractStage().Apply(Doc(text));
        Assert.Equal(text, result.Document!.Text);
        Assert.Null(result.Document.Meta[ExtractStage.TitleKey]);
    }

    [Fact]
    public void NothingLeft_RemovesTheDocument()
    {
        var result = new ExtractStage().Apply(Doc("<html><body><script>var x = 1;</script></body></html>"));
        Assert.False(result.Kept);
        Assert.Equal("empty_after_extraction", result.Reason);
    }

    [Fact]
    public void CodeDocuments_AreNotRewritten()
    {
        const string code = "<div>{{ template }}</div><span>{{ x }}</span>";
        var result = new ExtractStage().Apply(Doc(code, ContentKinds.Code));
        Assert.Equal(code, result.Document!.Text);
        Assert.Equal(ContentKinds.Code, result.Document.ContentKind);
    }

    [Theory]
    [InlineData("<html><body>x</body></html>", true)]
    [InlineData("  <!doctype HTML><p>x", true)]
    [InlineData("<div><p>Some words</p><p>more words</p></div>", true)]
    [InlineData("Use the <b> tag sparingly in a long sentence of ordinary prose that goes on for a while.", false)]
    [InlineData("if a < b and c > d then", false)]
    public void LooksLikeHtml_ByOpeningOrTagDensity(string text, bool expected)
    {
        Assert.Equal(expected, ExtractStage.LooksLikeHtml(text, new ExtractOptions().HtmlTagDensity));
    }
}
