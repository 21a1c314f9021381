using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Templates;
using Strata.Serving.Registry;

namespace Strata.Serving.Api;

/// <summary>
/// Validates chat messages from either API family and converts them to what chat templates read: objects with
/// <c>role</c> and string <c>content</c>, plus tool fields passed through untouched.
/// </summary>
public static class ChatMessages
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool"];

    public sealed record Input(string? Role, JsonElement? Content, JsonElement? ToolCalls = null, string? ToolCallId = null, string? Name = null);

    /// <param name="field">The request field holding the list (<c>messages</c>), for error messages.</param>
    public static JsonArray ToTemplateInput(IReadOnlyList<Input?>? messages, string field = "messages")
    {
        if (messages is null || messages.Count == 0) throw ApiException.BadRequest($"{field} must be a non-empty list of messages", field);
        var result = new JsonArray();
        for (int i = 0; i < messages.Count; i++)
        {
            string at = $"{field}[{i}]";
            var message = messages[i] ?? throw ApiException.BadRequest($"{at} must be a message object, not null", at);
            if (string.IsNullOrEmpty(message.Role)) throw ApiException.BadRequest($"{at}.role is required", $"{at}.role");
            if (!Roles.Contains(message.Role))
            {
                throw ApiException.BadRequest($"{at}.role '{message.Role}' is not one of system, developer, user, assistant, tool", $"{at}.role");
            }
            if (message.ToolCalls is { ValueKind: not (JsonValueKind.Array or JsonValueKind.Null) })
                throw ApiException.BadRequest($"{at}.tool_calls must be a list of calls", $"{at}.tool_calls");
            bool hasToolCalls = message.ToolCalls is { ValueKind: JsonValueKind.Array };
            if (hasToolCalls) CheckToolCalls(message.ToolCalls!.Value, $"{at}.tool_calls");
            string? content = Text(message.Content, $"{at}.content");
            if (content is null && !(message.Role == "assistant" && hasToolCalls))
            {
                throw ApiException.BadRequest($"{at}.content is required", $"{at}.content");
            }
            // OpenAI's "developer" role is the newer name of "system"; templates only know the latter.
            var entry = new JsonObject { ["role"] = message.Role == "developer" ? "system" : message.Role, ["content"] = content };
            if (hasToolCalls) entry["tool_calls"] = JsonNode.Parse(message.ToolCalls!.Value.GetRawText());
            if (message.ToolCallId is not null) entry["tool_call_id"] = message.ToolCallId;
            if (message.Name is not null) entry["name"] = message.Name;
            result.Add(entry);
        }
        return result;
    }

    /// <summary>Each earlier call: <c>{id, type: "function", function: {name, arguments}}</c>, arguments JSON text or an object.</summary>
    private static void CheckToolCalls(JsonElement calls, string field)
    {
        int index = 0;
        foreach (var call in calls.EnumerateArray())
        {
            string at = $"{field}[{index++}]";
            if (call.ValueKind != JsonValueKind.Object) throw ApiException.BadRequest($"{at} must be a call object", at);
            if (!call.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String) throw ApiException.BadRequest($"{at}.id must be a string", $"{at}.id");
            if (!call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw ApiException.BadRequest($"{at}.function must be an object with a name and arguments", $"{at}.function");
            if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                throw ApiException.BadRequest($"{at}.function.name must be a string", $"{at}.function.name");
            if (function.TryGetProperty("arguments", out var arguments) && arguments.ValueKind is not (JsonValueKind.String or JsonValueKind.Object))
                throw ApiException.BadRequest($"{at}.function.arguments must be JSON text or an object", $"{at}.function.arguments");
        }
    }

    /// <summary>The model's chat prompt for <paramref name="messages"/>; a template that refuses them is a 400.</summary>
    public static IReadOnlyList<int> EncodePrompt(ServedModel model, JsonArray messages, IReadOnlyDictionary<string, JsonNode?>? variables = null)
    {
        try
        {
            return model.EncodeChatPrompt(messages, variables);
        }
        catch (TemplateException e)
        {
            // The model's own template refuses this conversation (e.g. raise_exception on roles out of order).
            throw ApiException.BadRequest($"the model's chat template rejected these messages: {e.Message}", "messages", "invalid_messages");
        }
    }

    /// <summary>A string, null, or a list of text parts (<c>{"type": "text", "text": …}</c>) joined together.</summary>
    public static string? Text(JsonElement? content, string field)
    {
        if (content is not JsonElement element || element.ValueKind == JsonValueKind.Null) return null;
        if (element.ValueKind == JsonValueKind.String) return element.GetString();
        if (element.ValueKind != JsonValueKind.Array) throw ApiException.BadRequest($"{field} must be a string or a list of content parts", field);
        var text = new StringBuilder();
        int index = 0;
        foreach (var part in element.EnumerateArray())
        {
            string at = $"{field}[{index++}]";
            if (part.ValueKind != JsonValueKind.Object) throw ApiException.BadRequest($"{at} must be a content part object", at);
            string? type = part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type == "document")
            {
                // Cohere's tool results: {"type": "document", "document": {"data": …}}; the data is what the model reads.
                if (!part.TryGetProperty("document", out var document) || document.ValueKind != JsonValueKind.Object || !document.TryGetProperty("data", out var data))
                    throw ApiException.BadRequest($"{at}.document.data is required", $"{at}.document.data");
                text.Append(data.ValueKind == JsonValueKind.String ? data.GetString() : data.GetRawText());
                continue;
            }
            if (type != "text")
            {
                throw ApiException.BadRequest($"{at}.type '{type}' is not supported; Strata's models read text and document parts only", $"{at}.type");
            }
            if (!part.TryGetProperty("text", out var body) || body.ValueKind != JsonValueKind.String)
            {
                throw ApiException.BadRequest($"{at}.text must be a string", $"{at}.text");
            }
            text.Append(body.GetString());
        }
        return text.ToString();
    }
}
