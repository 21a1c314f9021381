using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Models.Tools;

/// <summary>
/// Tools in Strata's own chat format (the ChatML template Strata writes into the models it tunes,
/// <see cref="Templates.ChatTemplate.ChatMlSource"/>), kept short for small contexts: the tools' names in a system
/// turn, each call as <c>&lt;tool_call&gt;{"name": …, "arguments": …}&lt;/tool_call&gt;</c> in the assistant's turn
/// (Hermes' markers, so <see cref="ToolCallSyntax.Hermes"/> reads it), a result as a <c>tool</c> turn. This writes a
/// call exactly as the template does (JSON as Jinja's <c>tojson</c> writes it), for training data.
/// </summary>
public static class StrataToolFormat
{
    public static string Call(string name, JsonNode? arguments) =>
        $"<tool_call>{{\"name\": {Dumps(JsonValue.Create(name))}, \"arguments\": {Dumps(arguments)}}}</tool_call>";

    /// <summary>OpenAI-style <c>tool_calls</c> (arguments as JSON text or an object) written as the template writes them.</summary>
    public static string Calls(JsonElement toolCalls, string field, Func<string, Exception> error)
    {
        var text = new StringBuilder();
        int index = 0;
        foreach (var call in toolCalls.EnumerateArray())
        {
            string at = $"{field}[{index++}]";
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                throw error($"{at} needs function.name");
            JsonNode? arguments = null;
            if (function.TryGetProperty("arguments", out var value))
            {
                try
                {
                    arguments = value.ValueKind == JsonValueKind.String ? JsonNode.Parse(value.GetString()!) : JsonNode.Parse(value.GetRawText());
                }
                catch (JsonException e)
                {
                    throw error($"{at}.function.arguments is not JSON: {e.Message}");
                }
            }
            text.Append(Call(name.GetString()!, arguments ?? new JsonObject()));
        }
        return text.ToString();
    }

    /// <summary>JSON as Python's <c>json.dumps</c> (and so Jinja's <c>tojson</c>) writes it: ", " and ": " between items, non-ASCII kept.</summary>
    public static string Dumps(JsonNode? node)
    {
        string compact = node?.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null";
        var text = new StringBuilder(compact.Length + 16);
        bool inString = false, escaped = false;
        foreach (char c in compact)
        {
            text.Append(c);
            if (inString)
            {
                if (escaped) escaped = false;
                else if (c == '\\') escaped = true;
                else if (c == '"') inString = false;
            }
            else if (c == '"') inString = true;
            else if (c is ',' or ':') text.Append(' ');
        }
        return text.ToString();
    }
}
