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

    public static ToolCallSyntax CommandR7B { get; } = new CommandR7BSyntax();

    public static ToolCallSyntax CommandRPlus { get; } = new CommandRPlusSyntax();

    public static ToolCallSyntax FunctionaryV31 { get; } = new FunctionaryV31Syntax();

    public static ToolCallSyntax FunctionaryV32 { get; } = new FunctionaryV32Syntax();

    /// <summary>The family a chat template writes calls in (Hermes when it shows none).</summary>
    public static ToolCallSyntax For(string? chatTemplate) => chatTemplate switch
    {
        not null when chatTemplate.Contains("<|START_ACTION|>", StringComparison.Ordinal) => CommandR7B,
        not null when chatTemplate.Contains("Action:", StringComparison.Ordinal) && chatTemplate.Contains("tool_name", StringComparison.Ordinal) => CommandRPlus,
        not null when chatTemplate.Contains("<function=", StringComparison.Ordinal) => FunctionaryV31,
        not null when chatTemplate.Contains(">>>all", StringComparison.Ordinal) => FunctionaryV32,
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

    /// <summary>Whether the template's generation prompt already ends with the opening (functionary v3.2's <c>&gt;&gt;&gt;</c>).</summary>
    public virtual bool OpeningInPrompt => false;

    /// <summary>Whether calls can be constrained lazily, once opened, while the model may still answer in text.</summary>
    public virtual bool SupportsLazyGrammar => !OpeningInPrompt;

    /// <summary>Whether the template reads earlier calls' arguments as objects (most apply <c>tojson</c>) rather than JSON text (functionary concatenates them).</summary>
    public virtual bool TemplateReadsArgumentObjects => true;

    /// <summary>An earlier call's id as the template accepts it (Mistral's demands nine letters or digits).</summary>
    public virtual string TemplateCallId(string id) => id;

    /// <summary>Whether a reply may hold several calls (parallel tool calls).</summary>
    public abstract bool AllowsSeveral { get; }

    /// <summary>What follows <see cref="Trigger"/>: the calls of one opening, ending on a literal so the end is known.</summary>
    internal abstract GrammarPart AfterTrigger(IReadOnlyList<ToolGrammar> tools, GrammarPart whitespace, bool several);

    /// <summary>A reply that must be calls, after the trigger (which the prompt already ends with).</summary>
    internal virtual GrammarPart CallsOnly(IReadOnlyList<ToolGrammar> tools, GrammarPart whitespace, bool several) => AfterTrigger(tools, whitespace, several);

    /// <summary>Takes the calls out of a whole reply; calls to tools not in <paramref name="tools"/> are dropped, never returned.</summary>
    public abstract ParsedReply Parse(string reply, IReadOnlyList<ToolFunction> tools);

    /// <summary>The JSON object <c>{"name": "tool", "&lt;argumentsKey&gt;": arguments}</c> for each tool, as one choice.</summary>
    internal static GrammarPart CallObject(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, string argumentsKey, bool openBraceWritten = false, string nameKey = "name", GrammarPart? before = null)
    {
        var options = tools.Select(t => GrammarPart.Sequence(
            GrammarPart.Literal(JsonSchemaGrammar.Serialize(JsonSerializer.SerializeToElement(t.Tool.Name))), ws, GrammarPart.Literal(","), ws,
            GrammarPart.Literal($"\"{argumentsKey}\""), ws, GrammarPart.Literal(":"), ws, t.Arguments)).ToArray();
        var head = openBraceWritten
            ? GrammarPart.Sequence(ws, GrammarPart.Literal(":"), ws)
            : GrammarPart.Sequence(GrammarPart.Literal("{"), ws, before ?? GrammarPart.Empty, GrammarPart.Literal($"\"{nameKey}\""), ws, GrammarPart.Literal(":"), ws);
        return GrammarPart.Sequence(head, GrammarPart.Choice(options), ws, GrammarPart.Literal("}"));
    }

    /// <summary>One call read from a JSON object: its name (known tools only) and arguments (an object, or a string holding one).</summary>
    internal static ToolCall? ReadCall(JsonElement call, IReadOnlyList<ToolFunction> tools, string argumentsKey, List<string> dropped, string nameKey = "name")
    {
        if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty(nameKey, out var name) || name.ValueKind != JsonValueKind.String)
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

    /// <summary>A name and JSON text read as a call (functionary's formats carry them apart).</summary>
    internal static ToolCall? ReadCall(string name, string arguments, IReadOnlyList<ToolFunction> tools, List<string> dropped)
    {
        if (!tools.Any(t => t.Name == name))
        {
            dropped.Add($"a call to '{name}', which is not among the tools");
            return null;
        }
        if (ReadJson(arguments.Trim(), 0) is not { } json)
        {
            dropped.Add($"a call to '{name}' with unreadable arguments: {arguments}");
            return null;
        }
        return new ToolCall(ToolCall.NewId(), name, JsonSchemaGrammar.Serialize(json.Value));
    }

    /// <summary>A JSON list of call objects after <paramref name="start"/>; the calls and where the list ends.</summary>
    internal static (List<ToolCall> Calls, int End)? ReadCallList(string text, int start, IReadOnlyList<ToolFunction> tools, List<string> dropped, string nameKey, string argumentsKey)
    {
        while (start < text.Length && char.IsWhiteSpace(text[start])) start++;
        if (ReadJson(text, start) is not { } json || json.Value.ValueKind != JsonValueKind.Array)
        {
            dropped.Add($"an unreadable call list: {text[start..]}");
            return null;
        }
        return (json.Value.EnumerateArray().Select(c => ReadCall(c, tools, argumentsKey, dropped, nameKey)).OfType<ToolCall>().ToList(), json.End);
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
            if (ReadJson(body, 0) is not { } json) dropped.Add($"an unreadable call: {body}");
            else if (ReadCall(json.Value, tools, "arguments", dropped) is { } call) calls.Add(call);
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

    /// <summary>Mistral's template refuses ids that are not nine letters or digits; others are mapped to nine, the same way every time.</summary>
    public override string TemplateCallId(string id)
    {
        if (id.Length == 9 && id.All(char.IsAsciiLetterOrDigit)) return id;
        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id));
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return new string([.. hash.Take(9).Select(b => alphabet[b % alphabet.Length])]);
    }

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
        if (ReadCallList(reply, open + Trigger.Length, tools, dropped, "name", "arguments") is not { } list) return new ParsedReply(Text(reply[..open]), [], dropped);
        return new ParsedReply(Text(reply[..open] + reply[list.End..]), list.Calls, dropped);
    }
}

/// <summary>
/// Command R7B: a plan between <c>&lt;|START_THINKING|&gt;</c> and <c>&lt;|END_THINKING|&gt;</c>, then
/// <c>&lt;|START_ACTION|&gt;[{"tool_call_id": "0", "tool_name": …, "parameters": …}]&lt;|END_ACTION|&gt;</c>
/// (special tokens, kept in the reply to be read); a plain answer sits between <c>&lt;|START_RESPONSE|&gt;</c> and <c>&lt;|END_RESPONSE|&gt;</c>.
/// </summary>
internal sealed class CommandR7BSyntax : ToolCallSyntax
{
    private static readonly string[] Markers = ["<|START_THINKING|>", "<|END_THINKING|>", "<|START_RESPONSE|>", "<|END_RESPONSE|>", "<|END_ACTION|>"];

    public override string Name => "command-r7b";

    public override string Trigger => "<|START_ACTION|>";

    public override bool TriggerIsSpecialToken => true;

    public override bool AllowsSeveral => true;

    internal override GrammarPart AfterTrigger(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, bool several)
    {
        var id = GrammarPart.Sequence(GrammarPart.Literal("\"tool_call_id\""), ws, GrammarPart.Literal(":"), ws, GrammarPart.Literal("\""),
            GrammarPart.Repeat(GrammarPart.Chars(CodePointSet.Of(('0', '9'))), 1, 3), GrammarPart.Literal("\""), ws, GrammarPart.Literal(","), ws);
        var call = CallObject(tools, ws, "parameters", nameKey: "tool_name", before: id);
        var more = several ? GrammarPart.Repeat(GrammarPart.Sequence(ws, GrammarPart.Literal(","), ws, call), 0, 7) : GrammarPart.Empty;
        return GrammarPart.Sequence(ws, GrammarPart.Literal("["), ws, call, more, ws, GrammarPart.Literal("]"));
    }

    public override ParsedReply Parse(string reply, IReadOnlyList<ToolFunction> tools)
    {
        var dropped = new List<string>();
        int open = reply.IndexOf(Trigger, StringComparison.Ordinal);
        var calls = open < 0 ? null : ReadCallList(reply, open + Trigger.Length, tools, dropped, "tool_name", "parameters");
        string text = open < 0 ? reply : reply[..open] + (calls is null ? "" : reply[calls.Value.End..]);
        foreach (string marker in Markers) text = text.Replace(marker, "", StringComparison.Ordinal);
        return new ParsedReply(Text(text), calls?.Calls ?? [], dropped);
    }
}

/// <summary>Command R+: <c>Action: ```json [{"tool_name": …, "parameters": …}] ```</c> after any text.</summary>
internal sealed class CommandRPlusSyntax : ToolCallSyntax
{
    public override string Name => "command-r-plus";

    public override string Trigger => "Action:";

    public override bool AllowsSeveral => true;

    internal override GrammarPart AfterTrigger(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, bool several)
    {
        var call = CallObject(tools, ws, "parameters", nameKey: "tool_name");
        var more = several ? GrammarPart.Repeat(GrammarPart.Sequence(ws, GrammarPart.Literal(","), ws, call), 0, 7) : GrammarPart.Empty;
        return GrammarPart.Sequence(ws, GrammarPart.Literal("```json"), ws, GrammarPart.Literal("["), ws, call, more, ws, GrammarPart.Literal("]"), ws, GrammarPart.Literal("```"));
    }

    public override ParsedReply Parse(string reply, IReadOnlyList<ToolFunction> tools)
    {
        var dropped = new List<string>();
        int open = reply.IndexOf(Trigger, StringComparison.Ordinal);
        if (open < 0) return new ParsedReply(Text(reply), [], dropped);
        int fence = reply.IndexOf("```json", open, StringComparison.Ordinal);
        int start = fence < 0 ? open + Trigger.Length : fence + "```json".Length;
        var calls = ReadCallList(reply, start, tools, dropped, "tool_name", "parameters");
        int end = calls?.End ?? reply.Length;
        int close = reply.IndexOf("```", end, StringComparison.Ordinal);
        return new ParsedReply(Text(reply[..open] + (close < 0 ? "" : reply[(close + 3)..])), calls?.Calls ?? [], dropped);
    }
}

/// <summary>Functionary v3.1: <c>&lt;function=NAME&gt;{arguments}&lt;/function&gt;</c>, one call.</summary>
internal sealed class FunctionaryV31Syntax : ToolCallSyntax
{
    private const string Close = "</function>";

    public override string Name => "functionary-v3.1";

    public override string Trigger => "<function=";

    public override bool AllowsSeveral => false;

    public override bool TemplateReadsArgumentObjects => false;

    internal override GrammarPart AfterTrigger(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, bool several) =>
        GrammarPart.Sequence(GrammarPart.Choice(tools.Select(t => GrammarPart.Sequence(GrammarPart.Literal(t.Tool.Name + ">"), t.Arguments)).ToArray()),
            GrammarPart.Literal(Close));

    public override ParsedReply Parse(string reply, IReadOnlyList<ToolFunction> tools)
    {
        var dropped = new List<string>();
        var calls = new List<ToolCall>();
        var content = new System.Text.StringBuilder();
        int at = 0;
        while (reply.IndexOf(Trigger, at, StringComparison.Ordinal) is int open and >= 0)
        {
            content.Append(reply.AsSpan(at, open - at));
            int nameEnd = reply.IndexOf('>', open);
            int close = nameEnd < 0 ? -1 : reply.IndexOf(Close, nameEnd, StringComparison.Ordinal);
            if (nameEnd < 0)
            {
                dropped.Add($"an unreadable call: {reply[open..]}");
                at = reply.Length;
                break;
            }
            string name = reply[(open + Trigger.Length)..nameEnd];
            if (ReadCall(name, reply[(nameEnd + 1)..(close < 0 ? reply.Length : close)], tools, dropped) is { } call) calls.Add(call);
            at = close < 0 ? reply.Length : close + Close.Length;
        }
        if (at < reply.Length) content.Append(reply.AsSpan(at));
        return new ParsedReply(Text(content.ToString()), calls, dropped);
    }
}

/// <summary>
/// Functionary v3.2: the reply is segments <c>&gt;&gt;&gt;RECIPIENT\nCONTENT</c>, <c>all</c> for text to the user and a
/// tool's name for a call with JSON arguments; the generation prompt already ends with the first <c>&gt;&gt;&gt;</c>.
/// </summary>
internal sealed class FunctionaryV32Syntax : ToolCallSyntax
{
    public override string Name => "functionary-v3.2";

    public override string Trigger => ">>>";

    public override bool OpeningInPrompt => true;

    public override bool AllowsSeveral => true;

    public override bool TemplateReadsArgumentObjects => false;

    internal override GrammarPart AfterTrigger(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, bool several) =>
        GrammarPart.Choice(tools.Select(t => GrammarPart.Sequence(GrammarPart.Literal(t.Tool.Name + "\n"), t.Arguments)).ToArray());

    internal override GrammarPart CallsOnly(IReadOnlyList<ToolGrammar> tools, GrammarPart ws, bool several)
    {
        var one = AfterTrigger(tools, ws, several);
        return several ? GrammarPart.Sequence(one, GrammarPart.Repeat(GrammarPart.Sequence(GrammarPart.Literal(Trigger), one), 0, 7)) : one;
    }

    public override ParsedReply Parse(string reply, IReadOnlyList<ToolFunction> tools)
    {
        var dropped = new List<string>();
        var calls = new List<ToolCall>();
        var content = new System.Text.StringBuilder();
        string text = reply.StartsWith(Trigger, StringComparison.Ordinal) ? reply : Trigger + reply;
        foreach (string segment in text.Split(Trigger, StringSplitOptions.RemoveEmptyEntries))
        {
            int newline = segment.IndexOf('\n');
            string recipient = (newline < 0 ? segment : segment[..newline]).Trim();
            string body = newline < 0 ? "" : segment[(newline + 1)..];
            if (recipient == "all") content.Append(body);
            else if (ReadCall(recipient, body, tools, dropped) is { } call) calls.Add(call);
        }
        return new ParsedReply(Text(content.ToString()), calls, dropped);
    }
}
