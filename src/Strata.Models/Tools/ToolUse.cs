using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Generation.Constraints;

namespace Strata.Models.Tools;

/// <summary>
/// Tool calling for one request, the one home for it: what the chat template is given (<c>tools</c>, and earlier calls
/// with their arguments as objects, as templates expect), what the prompt ends with, the constraint that makes every
/// call parse and validate, and the parser that takes the calls out of the reply.
/// <list type="bullet">
/// <item><c>auto</c>: the model may answer or call; a call it opens is constrained (a schema that cannot be enforced falls back to any JSON object).</item>
/// <item><c>required</c> or a named function: the reply can only be calls (to that function), every argument valid against its schema. The model writes the family's opening itself, under the grammar, so its tokens are the ones it was trained on; only an opening that is a special token is put at the end of the prompt instead.</item>
/// <item><c>none</c>: tools are not shown and nothing is parsed.</item>
/// </list>
/// A template that does not render <c>tools</c> gets them in a system message, in Hermes' words and format.
/// </summary>
public sealed class ToolUse
{
    private readonly string? chatTemplate;

    public ToolUse(IReadOnlyList<ToolFunction> tools, ToolChoice choice, bool parallel, string? chatTemplate)
    {
        Tools = tools;
        Choice = choice;
        Parallel = parallel;
        this.chatTemplate = chatTemplate;
        Syntax = ToolCallSyntax.For(chatTemplate);
        if (choice.Mode == ToolChoiceMode.Required) Constraint = RequiredConstraint();
        else if (Active && Syntax.SupportsLazyGrammar) Constraint = new TriggeredConstraint(Syntax.Trigger, new GrammarConstraint(Build(Tools.Select((t, i) => (i, t)).ToList(), strict: false, g => Syntax.AfterTrigger(g.Tools, g.Whitespace, Parallel && Syntax.AllowsSeveral))));
    }

    public IReadOnlyList<ToolFunction> Tools { get; }

    public ToolChoice Choice { get; }

    public bool Parallel { get; }

    public ToolCallSyntax Syntax { get; }

    /// <summary>Whether tools are offered at all.</summary>
    public bool Active => Tools.Count > 0 && Choice.Mode != ToolChoiceMode.None;

    /// <summary>The constraint on the reply (null without tools).</summary>
    public ITokenConstraint? Constraint { get; }

    /// <summary>Text the prompt ends with (a call opening that is a special token, when calls are required); the reply is parsed with it in front.</summary>
    public string Prefill => Choice.Mode == ToolChoiceMode.Required && Syntax.TriggerIsSpecialToken ? Syntax.Trigger : "";

    /// <summary>A rendered prompt with the prefill's tokens after it (special tokens recognised: a prefill may be one).</summary>
    public IReadOnlyList<int> WithPrefill(IReadOnlyList<int> prompt, Tokenization.StrataTokenizer tokenizer) =>
        Prefill.Length == 0 ? prompt : [.. prompt, .. tokenizer.Encode(Prefill, addBos: false, parseSpecialTokens: true)];

    /// <summary>Whether the reply must keep special tokens (the family's call opening is one), as decoding options say.</summary>
    public bool KeepsSpecialTokens => Active && Syntax.TriggerIsSpecialToken;

    /// <summary>Whether the model's own template renders the <c>tools</c> variable.</summary>
    public bool TemplateReadsTools => chatTemplate?.Contains("tools", StringComparison.Ordinal) == true;

    /// <summary>Template variables: <c>tools</c> as OpenAI-shaped function objects.</summary>
    public IReadOnlyDictionary<string, JsonNode?> Variables =>
        Active && TemplateReadsTools ? new Dictionary<string, JsonNode?> { ["tools"] = new JsonArray(Tools.Select(t => (JsonNode)t.ToTemplate()).ToArray()) } : new Dictionary<string, JsonNode?>();

    /// <summary>
    /// The conversation as templates read it: earlier calls' arguments as objects (OpenAI sends them as JSON text;
    /// templates apply <c>tojson</c> to them), and the tools in a system message when the template cannot show them.
    /// </summary>
    public JsonArray Messages(JsonArray messages)
    {
        var result = new JsonArray();
        foreach (var message in messages)
        {
            var copy = message!.DeepClone().AsObject();
            if (copy["tool_call_id"] is JsonValue answered && answered.TryGetValue(out string? answeredId)) copy["tool_call_id"] = Syntax.TemplateCallId(answeredId);
            if (copy["tool_calls"] is JsonArray calls)
            {
                foreach (var call in calls)
                {
                    if (call is JsonObject callObject && callObject["id"] is JsonValue id && id.TryGetValue(out string? idText)) callObject["id"] = Syntax.TemplateCallId(idText);
                    if (!Syntax.TemplateReadsArgumentObjects) continue;
                    if (call?["function"] is JsonObject function && function["arguments"] is JsonValue text && text.TryGetValue(out string? json))
                    {
                        try
                        {
                            function["arguments"] = JsonNode.Parse(json);
                        }
                        catch (JsonException)
                        {
                            // Not JSON: the template gets the text as it was sent.
                        }
                    }
                }
                if (!TemplateReadsTools) copy = Flatten(copy);
            }
            else if (!TemplateReadsTools && copy["role"]?.GetValue<string>() == "tool")
            {
                copy = new JsonObject { ["role"] = "user", ["content"] = $"<tool_response>\n{copy["content"]?.GetValue<string>()}\n</tool_response>" };
            }
            result.Add(copy);
        }
        if (Active && !TemplateReadsTools)
        {
            string description = SystemText();
            if (result.Count > 0 && result[0]!["role"]?.GetValue<string>() == "system")
                result[0]!["content"] = result[0]!["content"]?.GetValue<string>() + "\n\n" + description;
            else
                result.Insert(0, new JsonObject { ["role"] = "system", ["content"] = description });
        }
        return result;
    }

    /// <summary>The calls in a reply (the prefill put back in front).</summary>
    public ParsedReply Parse(string generated) => Active ? Syntax.Parse(Prefill + generated, Tools) : new ParsedReply(generated, [], []);

    /// <summary>Hermes' tool instructions, for templates that do not render tools.</summary>
    private string SystemText()
    {
        var text = new System.Text.StringBuilder("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n");
        text.Append("You are provided with function signatures within <tools></tools> XML tags:\n<tools>");
        foreach (var tool in Tools) text.Append('\n').Append(tool.ToTemplate().ToJsonString());
        text.Append("\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n");
        text.Append("<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>");
        return text.ToString();
    }

    /// <summary>An assistant turn with calls, written out in Hermes' format for a template that does not know tool calls.</summary>
    private static JsonObject Flatten(JsonObject message)
    {
        var text = new System.Text.StringBuilder(message["content"]?.GetValue<string>() ?? "");
        foreach (var call in message["tool_calls"]!.AsArray())
        {
            var function = call?["function"];
            var body = new JsonObject { ["name"] = function?["name"]?.DeepClone(), ["arguments"] = function?["arguments"]?.DeepClone() };
            text.Append(text.Length > 0 ? "\n" : "").Append("<tool_call>\n").Append(body.ToJsonString()).Append("\n</tool_call>");
        }
        return new JsonObject { ["role"] = "assistant", ["content"] = text.ToString() };
    }

    private GrammarConstraint RequiredConstraint()
    {
        var allowed = Tools.Select((t, i) => (i, t)).Where(p => Choice.Function is null || p.t.Name == Choice.Function).ToList();
        string opening = Syntax.TriggerIsSpecialToken || Syntax.OpeningInPrompt ? "" : Syntax.Trigger;
        return new GrammarConstraint(Build(allowed, strict: true, g =>
            GrammarPart.Sequence(GrammarPart.Literal(opening), Syntax.CallsOnly(g.Tools, g.Whitespace, Parallel && Syntax.AllowsSeveral && Choice.Function is null))));
    }

    private sealed record Parts(IReadOnlyList<ToolGrammar> Tools, GrammarPart Whitespace);

    /// <summary>
    /// The calls' grammar. With <paramref name="strict"/> a schema that cannot be enforced is refused naming the tool's
    /// field; otherwise that tool's arguments fall back to any JSON object.
    /// </summary>
    private static Grammar Build(IReadOnlyList<(int Index, ToolFunction Tool)> tools, bool strict, Func<Parts, GrammarPart> body)
    {
        var builder = new GrammarBuilder();
        var list = new List<ToolGrammar>();
        GrammarPart? whitespace = null;
        for (int i = 0; i < tools.Count; i++)
        {
            GrammarPart value;
            try
            {
                (value, whitespace) = JsonSchemaGrammar.Part(builder, tools[i].Tool.Parameters);
            }
            catch (UnsupportedConstraintException e) when (!strict)
            {
                _ = e;
                (value, whitespace) = JsonSchemaGrammar.Part(builder, JsonDocument.Parse("""{"type": "object"}""").RootElement);
            }
            catch (UnsupportedConstraintException e)
            {
                string path = $"tools[{tools[i].Index}].function.parameters" + (e.Path.Length == 0 ? "" : "." + e.Path);
                throw new ToolDefinitionException($"{path}: {e.Message} (required tool calls enforce the schema)", path);
            }
            list.Add(new ToolGrammar(tools[i].Tool, value));
        }
        try
        {
            return builder.Build(body(new Parts(list, whitespace!)));
        }
        catch (GrammarTooLargeException e)
        {
            throw new ToolDefinitionException($"tools: {e.Message}", "tools");
        }
    }
}
