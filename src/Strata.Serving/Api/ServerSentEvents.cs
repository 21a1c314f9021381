using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Strata.Serving.Api;

/// <summary>
/// The stream framing both API families use: <c>data: {json}</c> events (Cohere's also carry an
/// <c>event:</c> line) ending with <c>data: [DONE]</c>. Each event is flushed at once, so tokens reach the client as
/// they are sampled.
/// </summary>
public static class ServerSentEvents
{
    public static async Task StartAsync(HttpResponse response)
    {
        response.StatusCode = 200;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";     // tell reverse proxies not to buffer the stream
        await response.Body.FlushAsync(response.HttpContext.RequestAborted);
    }

    public static async Task WriteAsync<T>(HttpResponse response, T payload, string? eventName = null)
    {
        string json = JsonSerializer.Serialize(payload, JsonBody.ResponseOptions);
        string frame = eventName is null ? $"data: {json}\n\n" : $"event: {eventName}\ndata: {json}\n\n";
        await response.WriteAsync(frame, response.HttpContext.RequestAborted);
        await response.Body.FlushAsync(response.HttpContext.RequestAborted);
    }

    public static async Task WriteDoneAsync(HttpResponse response)
    {
        await response.WriteAsync("data: [DONE]\n\n", response.HttpContext.RequestAborted);
        await response.Body.FlushAsync(response.HttpContext.RequestAborted);
    }
}
