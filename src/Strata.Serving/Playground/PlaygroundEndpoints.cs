using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Strata.Serving.Api;

namespace Strata.Serving.Playground;

/// <summary>
/// The browser playground: <c>GET /</c> serves its page and <c>GET /playground/{file}</c> its script and styles, all
/// embedded in this assembly so a single server binary works offline. The page talks to the server's own
/// <c>/v1</c> API, so it needs nothing here beyond the files.
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

    private static readonly string[] Files = ["index.html", "playground.js", "playground.css"];

    /// <summary>Maps the playground's routes; loads every file now, so a missing resource fails at startup.</summary>
    public static void Map(WebApplication app)
    {
        var assets = Files.ToDictionary(f => f, PlaygroundAsset.Load, StringComparer.Ordinal);
        var group = app.MapGroup("").ExcludeFromDescription();
        group.MapGet("/", (HttpContext http) => ServeAsync(http, assets["index.html"]));
        group.MapGet("/playground/{file}", (HttpContext http, string file) =>
            // index.html is only served as /, so there is one address for the page.
            assets.TryGetValue(file, out var asset) && file != "index.html"
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
