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
        // Buffered (Kestrel caps the size) because the body is read twice: by the serializer, then by RequireValidText.
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        var json = body.GetBuffer().AsMemory(0, (int)body.Length);
        try
        {
            var value = JsonSerializer.Deserialize<T>(json.Span, Options) ?? throw ApiException.BadRequest("the request body must be a JSON object, not null");
            RequireValidText(json.Span);
            return value;
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

    /// <summary>
    /// Refuses strings that are not Unicode text: invalid UTF-8 bytes, or escapes of unpaired surrogates such as
    /// <c>"\ud800"</c>. The reader accepts both and the serializer refuses them only for string properties; fields
    /// kept as <see cref="JsonElement"/> (content, prompt, input, stop, tool_calls) would otherwise throw
    /// <see cref="InvalidOperationException"/> (a 500) wherever an endpoint reads them.
    /// </summary>
    private static void RequireValidText(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = Options.MaxDepth });
        string? property = null;
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName)) continue;
            try
            {
                string text = reader.GetString()!;
                if (reader.TokenType == JsonTokenType.PropertyName) property = text;
            }
            catch (InvalidOperationException)
            {
                string where = reader.TokenType == JsonTokenType.PropertyName ? "a property name" : property is null ? "a string" : $"a string in '{property}'";
                throw ApiException.BadRequest(
                    $"{where} at byte {reader.TokenStartIndex + 1} of the request body is not valid Unicode text (invalid UTF-8, or an unpaired surrogate escape)",
                    reader.TokenType == JsonTokenType.PropertyName ? null : property);
            }
        }
    }

    // The serializer appends "Path: … | LineNumber: …" and type names; keep the human part.
    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Replace("System.", "", StringComparison.Ordinal);
    }
}
