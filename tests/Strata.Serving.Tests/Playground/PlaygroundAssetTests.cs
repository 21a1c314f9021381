using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Strata.Serving.Playground;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Playground;

/// <summary>The playground's files over plain HTTP: embedded, typed, revalidated, and nothing else under its path.</summary>
public sealed partial class PlaygroundAssetTests(RunningServer server) : IClassFixture<RunningServer>
{
    [Theory]
    [InlineData("", "text/html")]
    [InlineData("arena", "text/html")]
    [InlineData("arena/leaderboard", "text/html")]
    [InlineData("playground/common.js", "text/javascript")]
    [InlineData("playground/playground.js", "text/javascript")]
    [InlineData("playground/arena.js", "text/javascript")]
    [InlineData("playground/leaderboard.js", "text/javascript")]
    [InlineData("playground/playground.css", "text/css")]
    [InlineData("playground/arena.css", "text/css")]
    public async Task FilesAreServedWithTheirContentTypeAndARevalidationHeader(string path, string mediaType)
    {
        using var client = server.Client();
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/", new[] { "/playground/common.js", "/playground/playground.css", "/playground/playground.js" })]
    [InlineData("/arena", new[] { "/playground/arena.css", "/playground/arena.js", "/playground/common.js", "/playground/playground.css" })]
    [InlineData("/arena/leaderboard", new[] { "/playground/arena.css", "/playground/common.js", "/playground/leaderboard.js", "/playground/playground.css" })]
    public async Task ThePagesLoadOnlyAssetsTheServerHasAndLockThemselvesToThisOrigin(string path, string[] assets)
    {
        using var client = server.Client();
        using var response = await client.GetAsync(path);
        string html = await response.Content.ReadAsStringAsync();

        var references = AssetReference().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(assets, references.Order(StringComparer.Ordinal));
        foreach (string reference in references)
        {
            using var asset = await client.GetAsync(reference.TrimStart('/'));
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        }
        Assert.DoesNotContain("http", string.Join(" ", references), StringComparison.Ordinal);   // offline: nothing from a CDN
        Assert.Equal(PlaygroundEndpoints.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task AnUnchangedFileIsAnswered304()
    {
        using var client = server.Client();
        using var first = await client.GetAsync("playground/playground.js");
        using var request = new HttpRequestMessage(HttpMethod.Get, "playground/playground.js");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var again = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, again.Headers.ETag);
    }

    [Theory]
    [InlineData("playground/missing.js")]
    [InlineData("playground/index.html")]
    [InlineData("playground/arena.html")]
    [InlineData("playground/leaderboard.html")]
    [InlineData("playground/PLAYGROUND.JS")]
    public async Task OtherNamesUnderThePlaygroundAreJson404s(string path)
    {
        using var client = server.Client();
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(new MediaTypeHeaderValue("application/json"), response.Content.Headers.ContentType);
        Assert.Contains("no such playground file", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex("""(?:src|href)="(/playground/[^"]+)""")]
    private static partial Regex AssetReference();
}
