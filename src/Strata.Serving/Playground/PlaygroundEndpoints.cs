using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Strata.Serving.Api;

namespace Strata.Serving.Playground;

/// <summary>
/// The browser pages: the playground at <c>GET /</c>, the arena at <c>/arena</c> and its leaderboard at
/// <c>/arena/leaderboard</c>, with their scripts and styles at <c>GET /playground/{file}</c>, all embedded in this
/// assembly so a single server binary works offline. The pages talk to the server's own <c>/v1</c> API, so they need
/// nothing here beyond the files.
/// </summary>
public static class PlaygroundEndpoints
{
    /// <summary>Logical-name prefix of the embedded files (set by the csproj's <c>EmbeddedResource</c> item).</summary>
    public const string ResourcePrefix = "Strata.Serving.Playground.";

    /// <summary>
    /// Scripts only from this server, and requests only to it: the page keeps an API key in local storage, so
    /// nothing foreign may run beside it. <c>img-src data:</c> is for the empty inline favicon.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>The pages, by the one address each is served at.</summary>
    public static readonly IReadOnlyDictionary<string, string> Pages = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["/"] = "index.html",
        ["/arena"] = "arena.html",
        ["/arena/leaderboard"] = "leaderboard.html",
    };

    private static readonly string[] Files =
        [.. Pages.Values, "common.js", "playground.js", "arena.js", "leaderboard.js", "playground.css", "arena.css"];

    /// <summary>Maps the pages' routes; loads every file now, so a missing resource fails at startup.</summary>
    public static void Map(WebApplication app)
    {
        var assets = Files.ToDictionary(f => f, PlaygroundAsset.Load, StringComparer.Ordinal);
        var group = app.MapGroup("").ExcludeFromDescription();
        foreach (var (path, page) in Pages) group.MapGet(path, (HttpContext http) => ServeAsync(http, assets[page]));
        group.MapGet("/playground/{file}", (HttpContext http, string file) =>
            // Pages are served only at their own addresses, so each has one.
            assets.TryGetValue(file, out var asset) && !Pages.Values.Contains(file)
                ? ServeAsync(http, asset)
                : ApiErrors.WriteAsync(http, StatusCodes.Status404NotFound, $"no such playground file: {file}"));
    }

    private static Task ServeAsync(HttpContext http, PlaygroundAsset asset)
    {
        var response = http.Response;
        // The names are not content-hashed, so browsers revalidate every time (a 304 when unchanged) rather than
        // keep an old script after an upgrade.
        response.Headers.CacheControl = "no-cache";
        response.Headers.ETag = asset.ETag;
        response.Headers.XContentTypeOptions = "nosniff";
        if (asset.Name.EndsWith(".html", StringComparison.Ordinal))
        {
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            response.Headers["Referrer-Policy"] = "no-referrer";
        }
        if (Matches(http.Request.Headers.IfNoneMatch, asset.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return response.Body.WriteAsync(asset.Content, http.RequestAborted).AsTask();
    }

    private static bool Matches(StringValues ifNoneMatch, string etag) =>
        ifNoneMatch.SelectMany(v => (v ?? "").Split(',')).Select(v => v.Trim())
            .Any(v => v == "*" || v == etag || v == "W/" + etag);
}
