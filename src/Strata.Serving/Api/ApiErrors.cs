using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Strata.Serving.Api;

/// <summary>
/// Error bodies in each API family's own shape, so official clients raise their usual typed errors: OpenAI's
/// <c>{"error": {"message", "type", "param", "code"}}</c> for <c>/v1/…</c>, Cohere's <c>{"message": …}</c> for
/// <c>/v2/…</c> and the Cohere v1 endpoints (tokenize, detokenize, rerank, classify, summarize).
/// </summary>
public static class ApiErrors
{
    public static async Task WriteAsync(HttpContext context, int status, string message, string? param = null, string? code = null, int? retryAfter = null)
    {
        if (context.Response.HasStarted) return;   // mid-stream failures are reported inside the stream
        context.Response.Clear();
        context.Response.StatusCode = status;
        if (retryAfter is int seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/json";
        object body = IsCohere(context.Request.Path)
            ? new Dictionary<string, object?> { ["message"] = message, ["param"] = param }
            : new Dictionary<string, object?>
            {
                ["error"] = new Dictionary<string, object?>
                {
                    ["message"] = message,
                    ["type"] = ErrorType(status),
                    ["param"] = param,
                    ["code"] = code,
                },
            };
        await context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    public static Task WriteAsync(HttpContext context, ApiException error) =>
        WriteAsync(context, error.Status, error.Message, error.Param, error.Code, error.RetryAfterSeconds);

    /// <summary>Middleware: API exceptions become their error bodies; anything else a generic 500 (and a log line).</summary>
    public static async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (ApiException e)
        {
            await WriteAsync(context, e);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own refusals: body over the size limit (413), malformed framing (400).
            string message = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"request body too large (limit {context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes)"
                : e.Message;
            await WriteAsync(context, e.StatusCode, message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is listening for an answer.
        }
        catch (Exception e)
        {
            // A bug, not a bad request: log it, and still answer in the API's shape without internals.
            context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Strata.Serving").LogError(e, "unhandled error on {Path}", context.Request.Path);
            await WriteAsync(context, 500, "internal server error; the server log has the details");
        }
    }

    private static bool IsCohere(PathString path) =>
        path.StartsWithSegments("/v2") || path.StartsWithSegments("/v1/tokenize") || path.StartsWithSegments("/v1/detokenize")
        || path.StartsWithSegments("/v1/rerank") || path.StartsWithSegments("/v1/classify") || path.StartsWithSegments("/v1/summarize");

    private static string ErrorType(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
