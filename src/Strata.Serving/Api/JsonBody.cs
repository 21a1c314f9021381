using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Strata.Serving.Api;

/// <summary>
/// Reads a request body into a typed request record. Malformed JSON and wrong types become 400s naming the
/// field (from the serializer's JSON path), never a 500.
/// </summary>
public static class JsonBody
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = false,
        NumberHandling = JsonNumberHandling.Strict,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        MaxDepth = 64,
    };

    /// <summary>Response options: OpenAI and Cohere send explicit nulls (e.g. <c>"logprobs": null</c>).</summary>
    public static readonly JsonSerializerOptions ResponseOptions = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static async Task<T> ReadAsync<T>(HttpRequest request) where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted);
            return value ?? throw ApiException.BadRequest("the request body must be a JSON object, not null");
        }
        catch (JsonException e)
        {
            // Type mismatches name the field ("$.max_tokens" → "max_tokens"); syntax errors name the position.
            bool wrongType = e.Message.Contains("could not be converted", StringComparison.Ordinal);
            string? field = wrongType && e.Path is { Length: > 2 } path ? path[2..] : null;
            string message = field is null
                ? $"the request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}"
                : $"invalid value for '{field}': {FirstSentence(e.Message)}";
            throw ApiException.BadRequest(message, field);
        }
    }

    // The serializer appends "Path: … | LineNumber: …" and type names; keep the human part.
    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Replace("System.", "", StringComparison.Ordinal);
    }
}
