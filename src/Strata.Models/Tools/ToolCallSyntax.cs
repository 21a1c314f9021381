using System.Text.Json;
using Strata.Models.Generation.Constraints;

namespace Strata.Models.Tools;

/// <summary>A tool's name with the grammar of its arguments, as the call grammars need them.</summary>
internal sealed record ToolGrammar(ToolFunction Tool, GrammarPart Arguments);

/// <summary>What a reply holds once its tool calls are taken out: the text around them, the calls, and what was dropped (unknown tools, unreadable calls) with why.</summary>
public sealed record ParsedReply(string? Content, IReadOnlyList<ToolCall> Calls, IReadOnlyList<string> Dropped);

/// <summary>
/// How one model family writes tool calls, the one home for it: the text that opens a call (<see cref="Trigger"/>),
/// the grammar of what follows (so a call the model starts always parses and validates), and the parser that takes the
/// calls out of a reply. Chosen from the model's chat template: Hermes/Qwen2.5 (<c>&lt;tool_call&gt;</c> JSON
/// <c>&lt;/tool_call&gt;</c>, also Strata's own format for templates that do not render tools), Llama 3.1–3.3
/// (<c>{"name": …, "parameters": …}</c>) and Mistral Nemo (<c>[TOOL_CALLS][…]</c>).
/// </summary>
public abstract class ToolCallSyntax
{
    public static ToolCallSyntax Hermes { get; } = new HermesSyntax();

    public static ToolCallSyntax Llama3 { get; } = new Llama3Syntax();

    public static ToolCallSyntax MistralNemo { get; } = new MistralSyntax();

    /// <summary>The family a chat template writes calls in (Hermes when it shows none).</summary>
    public static ToolCallSyntax For(string? chatTemplate) => chatTemplate switch
    {
        not null when chatTemplate.Contains("[TOOL_CALLS]", StringComparison.Ordinal) => MistralNemo,
        not null when chatTemplate.Contains("<tool_call>", StringComparison.Ordinal) => Hermes,
        not null when chatTemplate.Contains("\"parameters\": dictionary of argument name", StringComparison.Ordinal) => Llama3,
        _ => Hermes,
    };

    public abstract string Name { get; }

    /// <summary>The text that opens the calls in a reply.</summary>
    public abstract string Trigger { get; }

    /// <summary>
    /// Whether the opening is a special token (Mistral's <c>[TOOL_CALLS]</c>), which constrained decoding cannot write
    /// (special tokens are outside the vocabulary's text): required calls then put it at the end of the prompt instead.
    /// </summary>
    public virtual bool TriggerIsSpecialToken => false;

    /// <summary>Whether a reply may hold several calls (parallel tool calls).</summary>
    public abstract bool AllowsSeveral { get; }

    /// <summary>What follows <see cref="Trigger"/>: the calls of one opening, ending on a literal so the end is known.</summary>
    internal abstract GrammarPart AfterTrigger(IReadOnlyList<ToolGrammar> tools, GrammarPart whitespace, bool several);

    /// <summary>A reply that must be calls, after the trigger (which the prompt already ends with).</summary>
    internal virtual GrammarPart CallsOnly(IReadOnlyList<ToolGrammar> tools, GrammarPart whitespace, bool several) => AfterTrigger(tools, whitespace, several);

    /// <summary>Takes the calls out of a whole reply; calls to tools not in <paramref name="tools"/> are dropped, never returned.</summary>
    public abstract ParsedReply Parse(string reply, IReadOnlyList<ToolFunction> tools);

    /// <summary>The JSON object <c>{"name": "tool", "&lt;argumentsKey&gt;": arguments}</c> for each tool, as one choice.</summary>
    internal static GrammarPart CallObject(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, string argumentsKey, bool openBraceWritten = false)
    {
        var options = tools.Select(t => GrammarPart.Sequence(
            GrammarPart.Literal(JsonSchemaGrammar.Serialize(JsonSerializer.SerializeToElement(t.Tool.Name))), ws, GrammarPart.Literal(","), ws,
            GrammarPart.Literal($"\"{argumentsKey}\""), ws, GrammarPart.Literal(":"), ws, t.Arguments)).ToArray();
        var head = openBraceWritten
            ? GrammarPart.Sequence(ws, GrammarPart.Literal(":"), ws)
            : GrammarPart.Sequence(GrammarPart.Literal("{"), ws, GrammarPart.Literal("\"name\""), ws, GrammarPart.Literal(":"), ws);
        return GrammarPart.Sequence(head, GrammarPart.Choice(options), ws, GrammarPart.Literal("}"));
    }

    /// <summary>One call read from a JSON object: its name (known tools only) and arguments (an object, or a string holding one).</summary>
    internal static ToolCall? ReadCall(JsonElement call, IReadOnlyList<ToolFunction> tools, string argumentsKey, List<string> dropped)
    {
        if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            dropped.Add($"a call without a name: {call.GetRawText()}");
            return null;
        }
        if (!tools.Any(t => t.Name == name.GetString()))
        {
            dropped.Add($"a call to '{name.GetString()}', which is not among the tools");
            return null;
        }
        string arguments = "{}";
        if (call.TryGetProperty(argumentsKey, out var value) || call.TryGetProperty("arguments", out value))
        {
            arguments = value.ValueKind switch
            {
                JsonValueKind.Object => JsonSchemaGrammar.Serialize(value),
                JsonValueKind.String => value.GetString()!,
                _ => JsonSchemaGrammar.Serialize(value),
            };
        }
        string id = call.TryGetProperty("id", out var given) && given.ValueKind == JsonValueKind.String ? given.GetString()! : ToolCall.NewId();
        return new ToolCall(id, name.GetString()!, arguments);
    }

    /// <summary>The JSON value starting at <paramref name="start"/>, and where it ends; null when it does not parse.</summary>
    internal static (JsonElement Value, int End)? ReadJson(string text, int start)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text[start..]);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true, AllowTrailingCommas = false });
        try
        {
            if (!JsonDocument.TryParseValue(ref reader, out var document)) return null;
            using (document)
            {
                int consumed = System.Text.Encoding.UTF8.GetCharCount(bytes.AsSpan(0, (int)reader.BytesConsumed));
                return (document.RootElement.Clone(), start + consumed);
            }
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static string? Text(string text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}

/// <summary>Hermes 2/3 and Qwen2.5: each call is <c>&lt;tool_call&gt;\n{"name": …, "arguments": …}\n&lt;/tool_call&gt;</c>, text may surround them.</summary>
internal sealed class HermesSyntax : ToolCallSyntax
{
    private const string Close = "</tool_call>";

    public override string Name => "hermes";

    public override string Trigger => "<tool_call>";

    public override bool AllowsSeveral => true;

    internal override GrammarPart AfterTrigger(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, bool several) =>
        GrammarPart.Sequence(ws, CallObject(tools, ws, "arguments"), ws, GrammarPart.Literal(Close));

    internal override GrammarPart CallsOnly(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, bool several)
    {
        var one = AfterTrigger(tools, ws, several);
        return several ? GrammarPart.Sequence(one, GrammarPart.Repeat(GrammarPart.Sequence(ws, GrammarPart.Literal(Trigger), one), 0, 7)) : one;
    }

    public override ParsedReply Parse(string reply, IReadOnlyList<ToolFunction> tools)
    {
        var calls = new List<ToolCall>();
        var dropped = new List<string>();
        var content = new System.Text.StringBuilder();
        int at = 0;
        while (true)
        {
            int open = reply.IndexOf(Trigger, at, StringComparison.Ordinal);
            if (open < 0)
            {
                content.Append(reply.AsSpan(at));
                break;
            }
            content.Append(reply.AsSpan(at, open - at));
            int close = reply.IndexOf(Close, open, StringComparison.Ordinal);
            int bodyEnd = close < 0 ? reply.Length : close;
            string body = reply[(open + Trigger.Length)..bodyEnd].Trim();
            if (ReadJson(body, 0) is { } json && ReadCall(json.Value, tools, "arguments", dropped) is { } call) calls.Add(call);
            else if (ReadJson(body, 0) is null) dropped.Add($"an unreadable call: {body}");
            at = close < 0 ? reply.Length : close + Close.Length;
        }
        return new ParsedReply(Text(content.ToString()), calls, dropped);
    }
}

/// <summary>Llama 3.1–3.3 (JSON-based tool calling): the reply is <c>{"name": …, "parameters": …}</c>, one call.</summary>
internal sealed class Llama3Syntax : ToolCallSyntax
{
    public override string Name => "llama3";

    public override string Trigger => "{\"name\"";

    public override bool AllowsSeveral => false;

    internal override GrammarPart AfterTrigger(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, bool several) =>
        CallObject(tools, ws, "parameters", openBraceWritten: true);

    public override ParsedReply Parse(string reply, IReadOnlyList<ToolFunction> tools)
    {
        var dropped = new List<string>();
        string text = reply.Replace("<|python_tag|>", "", StringComparison.Ordinal);
        int open = text.IndexOf(Trigger, StringComparison.Ordinal);
        if (open < 0) return new ParsedReply(Text(text), [], dropped);
        if (ReadJson(text, open) is not { } json)
        {
            dropped.Add($"an unreadable call: {text[open..]}");
            return new ParsedReply(Text(text[..open]), [], dropped);
        }
        var call = ReadCall(json.Value, tools, "parameters", dropped);
        return new ParsedReply(Text(text[..open] + text[json.End..]), call is null ? [] : [call], dropped);
    }
}

/// <summary>Mistral Nemo: <c>[TOOL_CALLS]</c> (a special token) then a JSON list of <c>{"name": …, "arguments": …}</c>.</summary>
internal sealed class MistralSyntax : ToolCallSyntax
{
    public override string Name => "mistral";

    public override string Trigger => "[TOOL_CALLS]";

    public override bool TriggerIsSpecialToken => true;

    public override bool AllowsSeveral => true;

    internal override GrammarPart AfterTrigger(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, bool several)
    {
        var call = CallObject(tools, ws, "arguments");
        var more = several ? GrammarPart.Repeat(GrammarPart.Sequence(ws, GrammarPart.Literal(","), ws, call), 0, 7) : GrammarPart.Empty;
        return GrammarPart.Sequence(ws, GrammarPart.Literal("["), ws, call, more, ws, GrammarPart.Literal("]"));
    }

    public override ParsedReply Parse(string reply, IReadOnlyList<ToolFunction> tools)
    {
        var dropped = new List<string>();
        int open = reply.IndexOf(Trigger, StringComparison.Ordinal);
        if (open < 0) return new ParsedReply(Text(reply), [], dropped);
        int start = open + Trigger.Length;
        while (start < reply.Length && char.IsWhiteSpace(reply[start])) start++;
        if (ReadJson(reply, start) is not { } json || json.Value.ValueKind != JsonValueKind.Array)
        {
            dropped.Add($"an unreadable call list: {reply[start..]}");
            return new ParsedReply(Text(reply[..open]), [], dropped);
        }
        var calls = json.Value.EnumerateArray().Select(c => ReadCall(c, tools, "arguments", dropped)).OfType<ToolCall>().ToList();
        return new ParsedReply(Text(reply[..open] + reply[json.End..]), calls, dropped);
    }
}
