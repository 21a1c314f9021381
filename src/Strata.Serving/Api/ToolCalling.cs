using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Tools;
using Strata.Serving.Registry;

namespace Strata.Serving.Api;

/// <summary>
/// Tool calling for both API families: reads <c>tools</c>/<c>tool_choice</c> into a <see cref="ToolUse"/> (a bad
/// definition is a 400 naming its field), checks that every tool result answers an earlier call, and builds the
/// prompt, ending with the family's call opening when calls are required.
/// </summary>
public static class ToolCalling
{
    public static ToolUse Read(ServedModel model, JsonElement? tools, JsonElement? toolChoice, bool? parallel)
    {
        try
        {
            var functions = tools is JsonElement list && list.ValueKind != JsonValueKind.Null ? ToolDefinitions.Parse(list) : [];
            var choice = ToolDefinitions.Choice(toolChoice, functions);
            return new ToolUse(functions, choice, parallel ?? true, model.Metadata.ChatTemplate);
        }
        catch (ToolDefinitionException e)
        {
            throw ApiException.BadRequest(e.Message, e.Path, "invalid_tools");
        }
    }

    /// <summary>A <c>role: tool</c> message must name (<c>tool_call_id</c>) a call an earlier assistant message made.</summary>
    public static void RequireMatchingCalls(JsonArray messages, string field = "messages")
    {
        var calls = new HashSet<string>();
        for (int i = 0; i < messages.Count; i++)
        {
            var message = messages[i]!;
            foreach (var call in message["tool_calls"] as JsonArray ?? [])
            {
                if (call?["id"] is JsonValue id && id.TryGetValue(out string? value)) calls.Add(value);
            }
            if (message["role"]?.GetValue<string>() != "tool") continue;
            string? callId = message["tool_call_id"]?.GetValue<string>();
            if (callId is null) throw ApiException.BadRequest($"{field}[{i}].tool_call_id is required on a tool message", $"{field}[{i}].tool_call_id");
            if (!calls.Contains(callId))
                throw ApiException.BadRequest($"{field}[{i}].tool_call_id '{callId}' answers no tool call made earlier in the conversation", $"{field}[{i}].tool_call_id");
        }
    }

    /// <summary>The prompt: the template rendered with the tools, then the prefill (when calls are required).</summary>
    public static IReadOnlyList<int> Prompt(ServedModel model, ToolUse tools, JsonArray messages, IReadOnlyDictionary<string, JsonNode?> variables)
    {
        var all = new Dictionary<string, JsonNode?>(variables);
        foreach (var (name, value) in tools.Variables) all[name] = value;
        var prompt = ChatMessages.EncodePrompt(model, tools.Messages(messages), all);
        return tools.WithPrefill(prompt, model.Tokenizer);
    }
}

/// <summary>
/// A streamed reply with tools on offer: text before a call goes out as it comes (the few characters that might begin
/// the call's opening held back); from the opening on, the reply is held and parsed whole when it ends, so calls go
/// out complete and valid, never half-written.
/// </summary>
public sealed class ToolCallStream(ToolUse tools)
{
    private readonly StringBuilder reply = new();
    private int emitted;
    private bool inCalls = tools.Choice.Mode == ToolChoiceMode.Required;

    /// <summary>The text of <paramref name="chunk"/> that can go out now as content.</summary>
    public string Push(string chunk)
    {
        reply.Append(chunk);
        if (inCalls || !tools.Active) return inCalls ? "" : Take(reply.Length);
        string text = reply.ToString();
        string trigger = tools.Syntax.Trigger;
        int open = text.IndexOf(trigger, Math.Max(0, emitted - trigger.Length), StringComparison.Ordinal);
        if (open >= 0)
        {
            inCalls = true;
            return Take(open);
        }
        int hold = 0;
        for (int k = Math.Min(trigger.Length - 1, text.Length); k > 0; k--)
        {
            if (text.AsSpan(text.Length - k).SequenceEqual(trigger.AsSpan(0, k)))
            {
                hold = k;
                break;
            }
        }
        return Take(text.Length - hold);
    }

    /// <summary>When the reply has ended: the content not yet sent (none once calls began) and the calls.</summary>
    public (string Content, ParsedReply Reply) Finish()
    {
        var parsed = tools.Parse(reply.ToString());
        return (inCalls ? "" : Take(reply.Length), parsed);
    }

    private string Take(int end)
    {
        if (end <= emitted) return "";
        string text = reply.ToString(emitted, end - emitted);
        emitted = end;
        return text;
    }
}
