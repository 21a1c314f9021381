using System.IO.Compression;
using System.Text.Json.Nodes;
using Strata.Data.Extraction;

namespace Strata.Data.Tests.Extraction;

public sealed class HtmlExtractorTests
{
    private const string Article = """
        <p>The river rose steadily through the night, and by morning the lower town was under water for the first time
        in forty years. Residents who had stayed behind described a slow, quiet flood rather than a torrent.</p>
        <p>Engineers said the levee held, but the pumps could not keep up with the rain that kept falling across the
        valley. The council met at dawn to decide whether the school should open as a shelter for the displaced.</p>
        <p>By noon the water had begun to recede, leaving a line of mud along every wall in the market square, and the
        first shopkeepers came back with buckets and brooms to see what could be saved from their stock.</p>
        """;

    private static string Page(string body, string head = "<title>Flood in the lower town</title>") =>
        $"<!doctype html><html><head>{head}</head><body>{body}</body></html>";

    [Fact]
    public void KeepsArticleAndTitle_DropsNavigationFooterAndAds()
    {
        string html = Page($"""
            <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News section index</a></li></ul></nav>
            <div class="ad-slot">Buy cheap watches now from our sponsor</div>
            <article><h1>Flood in the lower town</h1>{Article}
              <div class="share-buttons"><a href="#">Share on the social network of your choice</a></div>
            </article>
            <aside class="related"><a href="/a">Another unrelated story about elections</a></aside>
            <footer>Copyright the newspaper company, all rights reserved</footer>
            """);
        var page = new HtmlExtractor().Extract(html);
        Assert.Equal("Flood in the lower town", page.Title);
        Assert.Contains("The river rose steadily", page.Text);
        Assert.Contains("see what could be saved from their stock.", page.Text);
        Assert.DoesNotContain("News section index", page.Text);
        Assert.DoesNotContain("cheap watches", page.Text);
        Assert.DoesNotContain("social network", page.Text);
        Assert.DoesNotContain("elections", page.Text);
        Assert.DoesNotContain("Copyright", page.Text);
    }

    [Fact]
    public void DropsCaptionsBylinesAndRelatedLinks_ByTheirTemplateNames()
    {
        string html = Page($"""
            <article>
              <p class=" author-byline">By Someone Important, staff writer</p>
              <figure><img src="a.jpg"><figcaption>A flooded street in the lower town</figcaption></figure>
              <p class=" caption">Water reached the windows (Photo agency/Staff)</p>
              {Article}
              <div class="articleRelatedLinks"><p>Read also this other piece of news about the weather</p></div>
              <p><a href="/subscribe">SUBSCRIBE TO OUR NEWSLETTER BY CLICKING HERE</a></p>
            </article>
            """);
        var page = new HtmlExtractor().Extract(html);
        Assert.Contains("The river rose steadily", page.Text);
        Assert.DoesNotContain("Someone Important", page.Text);
        Assert.DoesNotContain("flooded street", page.Text);
        Assert.DoesNotContain("Photo agency", page.Text);
        Assert.DoesNotContain("other piece of news", page.Text);
        Assert.DoesNotContain("NEWSLETTER", page.Text);
    }

    [Fact]
    public void KeepsABlockNamedLikeBoilerplate_WhenItHoldsMostOfTheArticle()
    {
        var page = new HtmlExtractor().Extract(Page($"<div class=\"story has-comments\"><div class=\"body comments-enabled\">{Article}</div></div>"));
        Assert.Contains("The river rose steadily", page.Text);
        Assert.Contains("see what could be saved from their stock.", page.Text);
    }

    [Fact]
    public void ShortPage_KeepsItsTextWithoutTheNavigation()
    {
        string html = Page("""
            <nav><a href="/">Home</a> <a href="/about">About us and our history</a></nav>
            <div>The office is closed on Friday for the holiday.</div>
            <footer>Copyright the company</footer>
            """);
        var page = new HtmlExtractor().Extract(html);
        Assert.Equal("The office is closed on Friday for the holiday.", page.Text);
    }

    [Fact]
    public void SeparatesParagraphsWithBlankLines()
    {
        var page = new HtmlExtractor().Extract(Page($"<article>{Article}</article>"));
        Assert.Equal(3, page.Text.Split("\n\n").Length);
        Assert.StartsWith("The river rose steadily through the night, and by morning", page.Text);
    }

    [Fact]
    public void KeepsPreformattedCodeVerbatim_DropsScriptAndStyle()
    {
        string html = Page($"""
            <script>var tracking = "script text";</script><style>.x {"{"} color: red {"}"}</style>
            <article>{Article}<pre><code>for (int i = 0; i &lt; 3; i++)
                Console.WriteLine(i);</code></pre></article>
            """);
        var page = new HtmlExtractor().Extract(html);
        Assert.Contains("for (int i = 0; i < 3; i++)\n    Console.WriteLine(i);", page.Text);
        Assert.DoesNotContain("script text", page.Text);
        Assert.DoesNotContain("color: red", page.Text);
    }

    [Fact]
    public void KeepsListItemsAndHeadingsAsLines()
    {
        var page = new HtmlExtractor(new HtmlExtractorOptions { UseReadability = false })
            .Extract(Page("<h2>Steps</h2><ul><li>Open the valve</li><li>Close the gate</li></ul>"));
        Assert.Equal("Steps\n\nOpen the valve\nClose the gate", page.Text);
    }

    [Fact]
    public void MalformedHtml_DoesNotThrow()
    {
        var page = new HtmlExtractor().Extract("<html><body><div><p>Unclosed <b>bold <i>text</div></p></table><<>>&nbsp;&bogus;");
        Assert.Contains("Unclosed bold text", page.Text);
    }

    [Fact]
    public void PlainText_PassesThrough()
    {
        var page = new HtmlExtractor().Extract("Just a line of text.\n\nAnd another one.");
        Assert.Equal("Just a line of text. And another one.", page.Text);
    }

    [Fact]
    public void Benchmark_88Pages_BeatsPublishedExtractors()
    {
        string directory = Path.Combine(TestPaths.SharedData, "html-extraction");
        var truth = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "ground-truth.json")))!.AsObject();
        var extractor = new HtmlExtractor();
        var score = new ExtractionScore();
        foreach (var (id, entry) in truth)
        {
            using var file = File.OpenRead(Path.Combine(directory, "html", id + ".html.gz"));
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var html = new MemoryStream();
            gzip.CopyTo(html);
            html.Position = 0;
            score.Add(entry!["articleBody"]!.GetValue<string>(), extractor.Extract(html).Text);
        }
        Assert.Equal(88, score.Count);
        // Measured 0.977 (P 0.969, R 0.984); rs-trafilatura publishes 0.966 on these pages.
        Assert.True(score.F1 >= 0.967, $"F1 {score.F1:F4} (P {score.Precision:F4}, R {score.Recall:F4})");
    }
}
