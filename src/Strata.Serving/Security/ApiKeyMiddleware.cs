using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Strata.Serving.Security;

/// <summary>
/// Requires an API key on the model API (<c>/v1/…</c>, OpenAI's, and <c>/v2/…</c>, Cohere's) whenever
/// <see cref="ApiKeyAuthenticator.Required"/>. Keys come as <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>.
/// A failure is answered 401 in OpenAI's error shape, which OpenAI and Cohere client libraries surface as an
/// authentication error. Success records the tenant in <c>HttpContext.Items[</c><see cref="TenantItem"/><c>]</c>.
/// </summary>
/// <remarks>
/// Everything else stays open: <c>/</c> and static playground assets (nothing to protect, and the playground must load
/// to ask for a key), <c>/openapi/*</c> and <c>/docs</c> (public descriptions of the API), and <c>/health</c> and
/// <c>/metrics</c>, which are for operators and probes, usually on localhost or inside the cluster; they reveal load
/// and model names, never prompts or outputs. Exposing them publicly is a deployment decision (a reverse proxy rule),
/// not something a probe should need a tenant key for.
/// </remarks>
public sealed class ApiKeyMiddleware
{
    /// <summary><c>HttpContext.Items</c> key of the authenticated tenant's name (a string).</summary>
    public const string TenantItem = "strata.tenant";

    /// <summary><c>HttpContext.Items</c> key of the authenticated key's <see cref="ApiKeyRecord"/>.</summary>
    public const string ApiKeyItem = "strata.api_key";

    /// <summary>Header carrying a bare key, for clients that do not send <c>Authorization: Bearer</c>.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    private readonly RequestDelegate next;
    private readonly ApiKeyAuthenticator authenticator;

    /// <summary>Created by <c>UseMiddleware</c>; see <see cref="ApiKeyApplicationBuilderExtensions.UseStrataApiKeys"/>.</summary>
    public ApiKeyMiddleware(RequestDelegate next, ApiKeyAuthenticator authenticator)
    {
        this.next = next;
        this.authenticator = authenticator;
    }

    /// <summary>Passes the request on, or answers 401 when it needs a key and lacks a valid one.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsProtected(context.Request) || !authenticator.Required)
        {
            await next(context);
            return;
        }
        string? authorization = context.Request.Headers.Authorization.ToString();
        string? presented = string.IsNullOrWhiteSpace(authorization) ? context.Request.Headers[ApiKeyHeader].ToString() : authorization;
        if (ApiKeyAuthenticator.ExtractKey(presented) is null)
        {
            await RejectAsync(context, $"Missing API key: send it as 'Authorization: Bearer <key>' or '{ApiKeyHeader}: <key>'. Create one with `strata keys create --tenant NAME`.");
            return;
        }
        if (authenticator.Authenticate(presented) is not { } record)
        {
            // The key is not echoed back, not even in part: responses end up in client logs.
            await RejectAsync(context, "Incorrect or revoked API key provided.");
            return;
        }
        context.Items[TenantItem] = record.Tenant;
        context.Items[ApiKeyItem] = record;
        await next(context);
    }

    /// <summary>
    /// Whether the path is under <c>/v1</c> or <c>/v2</c>, ignoring case, because routing matches <c>/V1/models</c> as
    /// <c>/v1/models</c> and a case-sensitive test would be a way around the check. Leading empty segments
    /// (<c>//v1/…</c>) are skipped too: routing does not match them today, but a catch-all endpoint or a proxy might.
    /// Only <c>Path</c> counts, not <c>PathBase</c>: routing matches on <c>Path</c> alone.
    /// CORS preflights pass: browsers never attach credentials to them, and the CORS middleware answers them.
    /// </summary>
    internal static bool IsProtected(HttpRequest request)
    {
        if (HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Access-Control-Request-Method")) return false;
        ReadOnlySpan<char> path = request.Path.Value.AsSpan().TrimStart('/');
        int slash = path.IndexOf('/');
        var first = slash < 0 ? path : path[..slash];
        return first.Equals("v1", StringComparison.OrdinalIgnoreCase) || first.Equals("v2", StringComparison.OrdinalIgnoreCase);
    }

    private static async Task RejectAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        context.Response.ContentType = "application/json";
        var body = new { error = new { message, type = "invalid_request_error", param = (string?)null, code = "invalid_api_key" } };
        await context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
