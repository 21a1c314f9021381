using System.Text.Json.Nodes;

namespace Strata.Models.Tests.Templates;

/// <summary>How a model's template expects tool calls: <c>arguments</c> as a JSON object (rendered with tojson) or
/// as a JSON string (concatenated as is), or no tools at all.</summary>
public enum ToolStyle
{
    None,
    ObjectArguments,
    StringArguments,
}

/// <summary>What a real template needs to render: the model's real special tokens and the variables it reads.</summary>
/// <param name="ToolCallContent">The content of an assistant message that calls tools (Command R+ trims it, so it
/// must be a string there; OpenAI-style null elsewhere).</param>
/// <param name="Always">Variables the template cannot render without (see each profile).</param>
public sealed record TemplateProfile(string File, string Bos, string Eos, ToolStyle Tools, bool Documents = false,
    bool ParallelToolCalls = true, string? ToolCallContent = null, IReadOnlyDictionary<string, JsonNode?>? Always = null)
{
    public string Name => Path.GetFileNameWithoutExtension(File);
}

/// <summary>One test case: a template with one conversation and its context.</summary>
public sealed record TemplateCase(string Id, TemplateProfile Profile, TemplateRequest Request);

/// <summary>
/// The real chat templates in <c>../shared/data/chat-templates</c> and the conversations each is rendered with:
/// a single user turn, system + multi-turn, alternating turns without system, Unicode and quoting, and where the
/// template supports them tool calls (single and parallel), tool results and grounding documents.
/// </summary>
public static class RealTemplateCases
{
    /// <summary>The instant strftime_now sees on both sides (Llama 3.2 prints it as "Today Date").</summary>
    public const string Now = "2025-03-09T12:00:00";

    public static readonly DateTimeOffset NowUtc = new(2025, 3, 9, 12, 0, 0, TimeSpan.Zero);

    public static string Directory => Path.Combine(TestPaths.SharedData, "chat-templates");

    private const string Tools = """
        [
          {"type": "function", "function": {"name": "get_current_weather",
            "description": "Get the current weather in a given location — Ünïcödé welcome",
            "parameters": {"type": "object", "properties": {
              "location": {"type": "string", "description": "The city and country, e.g. Paris, France"},
              "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "The temperature unit"}},
              "required": ["location"]}}},
          {"type": "function", "function": {"name": "search_web", "description": "Search the web for a query",
            "parameters": {"type": "object", "properties": {
              "query": {"type": "string", "description": "What to search for"},
              "max_results": {"type": "integer", "description": "How many results to return"}},
              "required": ["query"]}}}
        ]
        """;

    private const string Documents = """
        [
          {"title": "Tall penguins", "text": "Emperor penguins are the tallest, growing up to 122 cm."},
          {"title": "Penguin habitats", "text": "Emperor penguins only live in Antarctica — brrr \"cold\"."}
        ]
        """;

    private static readonly Dictionary<string, JsonNode?> LlamaFunctions = new()
    {
        // Firefunction v2 reads its function specs as one JSON string and today's date as "datetime".
        ["functions"] = JsonNode.Parse(Tools)!.AsArray().Select(t => t!["function"]!.ToJsonString()).Aggregate((a, b) => a + "\n" + b),
        ["datetime"] = "2025-03-09",
    };

    /// <summary>For tool-use templates that iterate over <c>tools</c> unconditionally (Command R+, Hermes, Functionary
    /// v3.1): without tools they fail in both renderers (and in transformers, which passes tools=None).</summary>
    private static readonly Dictionary<string, JsonNode?> EmptyTools = new() { ["tools"] = new JsonArray() };

    public static readonly IReadOnlyList<TemplateProfile> Profiles =
    [
        new("CohereForAI-c4ai-command-r-plus-tool_use.jinja", "<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>", ToolStyle.ObjectArguments,
            ToolCallContent: "I will look that up.", Always: EmptyTools),
        new("CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja", "<BOS_TOKEN>", "<|END_OF_TURN_TOKEN|>", ToolStyle.ObjectArguments, Documents: true),
        new("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja", "<|begin_of_text|>", "<|im_end|>", ToolStyle.ObjectArguments, Always: EmptyTools),
        new("NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja", "<|begin_of_text|>", "<|im_end|>", ToolStyle.ObjectArguments, Always: EmptyTools),
        new("Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>", ToolStyle.ObjectArguments),
        new("deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", ToolStyle.StringArguments),
        new("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", ToolStyle.StringArguments),
        new("fireworks-ai-llama-3-firefunction-v2.jinja", "<|begin_of_text|>", "<|eot_id|>", ToolStyle.StringArguments, Always: LlamaFunctions),
        new("google-gemma-2-2b-it.jinja", "<bos>", "<eos>", ToolStyle.None),
        new("llama-cpp-deepseek-r1.jinja", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", ToolStyle.StringArguments),
        new("meetkai-functionary-medium-v3.1.jinja", "<|begin_of_text|>", "<|eot_id|>", ToolStyle.StringArguments, Always: EmptyTools),
        new("meetkai-functionary-medium-v3.2.jinja", "<|begin_of_text|>", "<|eot_id|>", ToolStyle.StringArguments),
        new("meta-llama-Llama-3.1-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>", ToolStyle.ObjectArguments, ParallelToolCalls: false),
        new("meta-llama-Llama-3.2-3B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>", ToolStyle.ObjectArguments, ParallelToolCalls: false),
        new("meta-llama-Llama-3.3-70B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>", ToolStyle.ObjectArguments, ParallelToolCalls: false),
        new("microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>", ToolStyle.None),
        new("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>", ToolStyle.ObjectArguments),
    ];

    public static IReadOnlyList<TemplateCase> All { get; } = [.. Profiles.SelectMany(CasesFor)];

    /// <summary>
    /// Cases the reference itself cannot render, by a bug of @huggingface/jinja 0.5.11 rather than by the template:
    /// Functionary v3.2 describes every parameter with <c>for field, field_name in [("maximum", "Maximum"), ...]</c>,
    /// and the reference cannot unpack a tuple literal in a for loop. Python's Jinja2 (transformers) renders them,
    /// and so must Strata; the test also notices when a newer reference starts rendering them.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ReferenceLimitations { get; } = new Dictionary<string, string>
    {
        ["meetkai-functionary-medium-v3.2/tool-call-and-result"] = "Cannot unpack non-iterable type: TupleValue",
        ["meetkai-functionary-medium-v3.2/tool-result-pending"] = "Cannot unpack non-iterable type: TupleValue",
        ["meetkai-functionary-medium-v3.2/tools-offered-not-used"] = "Cannot unpack non-iterable type: TupleValue",
        ["meetkai-functionary-medium-v3.2/parallel-tool-calls"] = "Cannot unpack non-iterable type: TupleValue",
    };

    private static IEnumerable<TemplateCase> CasesFor(TemplateProfile profile)
    {
        string template = File.ReadAllText(Path.Combine(Directory, profile.File));
        TemplateCase Case(string name, bool addGenerationPrompt, string messages, params (string Name, JsonNode? Value)[] extra)
        {
            var variables = new Dictionary<string, JsonNode?> { ["bos_token"] = profile.Bos, ["eos_token"] = profile.Eos };
            foreach (var (key, value) in profile.Always ?? new Dictionary<string, JsonNode?>()) variables[key] = value?.DeepClone();
            foreach (var (key, value) in extra) variables[key] = value;
            var request = new TemplateRequest(template, JsonNode.Parse(messages)!.AsArray(), addGenerationPrompt, variables, Now);
            return new TemplateCase($"{profile.Name}/{name}", profile, request);
        }

        yield return Case("single-user-turn", true, """[{"role": "user", "content": "Hello! What is 2+2?"}]""");
        yield return Case("system-multi-turn", true, """
            [{"role": "system", "content": "You are a helpful assistant. Answer briefly."},
             {"role": "user", "content": "What is the capital of France?"},
             {"role": "assistant", "content": "<think>Easy one.</think>The capital of France is Paris."},
             {"role": "user", "content": "And of Italy?"}]
            """);
        yield return Case("alternating-turns", false, """
            [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
             {"role": "user", "content": "Tell me a joke."}, {"role": "assistant", "content": "Why did the chicken cross the road?"}]
            """);
        yield return Case("unicode-and-quoting", true, """
            [{"role": "user", "content": "  Ünïcödé — 日本語 🙂 \"quotes\", 'apostrophes', a \\ backslash,\n{{ not_a_variable }} {% raw %}\nsecond line  "},
             {"role": "assistant", "content": "Noted: <|im_end|> </s> <eos> [INST] stay text.\n"},
             {"role": "user", "content": "Thanks!"}]
            """);
        yield return Case("roles-do-not-alternate", true, """
            [{"role": "user", "content": "First"}, {"role": "user", "content": "Second"}]
            """);

        if (profile.Tools != ToolStyle.None)
        {
            JsonNode tools = JsonNode.Parse(Tools)!;
            yield return Case("tool-call-and-result", false, ToolConversation(profile, parallel: false, answered: true), ("tools", tools.DeepClone()));
            yield return Case("tool-result-pending", true, ToolConversation(profile, parallel: false, answered: false), ("tools", tools.DeepClone()));
            yield return Case("tools-offered-not-used", true, """
                [{"role": "system", "content": "You can call tools."}, {"role": "user", "content": "Just say hi."}]
                """, ("tools", tools.DeepClone()));
            // Llama 3.x templates raise_exception on more than one call per message: the reference shows that, too.
            yield return Case("parallel-tool-calls", true, ToolConversation(profile, parallel: true, answered: false), ("tools", tools.DeepClone()));
        }

        if (profile.Documents)
        {
            JsonNode documents = JsonNode.Parse(Documents)!;
            yield return Case("documents", true, """[{"role": "user", "content": "Which penguins are the tallest?"}]""",
                ("documents", documents.DeepClone()), ("tools", new JsonArray()));
            yield return Case("documents-with-citations", true, """
                [{"role": "system", "content": "Cite your sources."}, {"role": "user", "content": "Where do they live?"}]
                """, ("documents", documents.DeepClone()), ("tools", new JsonArray()), ("enable_citations", true));
        }

        if (profile.Name.StartsWith("meta-llama", StringComparison.Ordinal))
        {
            yield return Case("date-string", true, """[{"role": "user", "content": "What day is it?"}]""", ("date_string", "01 Jan 2030"));
        }
    }

    /// <summary>A user question, the assistant's tool call(s) in the template's argument style, and the tool result(s).</summary>
    private static string ToolConversation(TemplateProfile profile, bool parallel, bool answered)
    {
        JsonNode Arguments(string json) => profile.Tools == ToolStyle.StringArguments ? JsonValue.Create(json)! : JsonNode.Parse(json)!;
        var calls = new JsonArray
        {
            new JsonObject
            {
                ["id"] = "abc123xyz", // Mistral requires 9 alphanumeric characters.
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = "get_current_weather", ["arguments"] = Arguments("""{"location": "Paris, France", "unit": "celsius"}""") },
            },
        };
        if (parallel)
        {
            calls.Add(new JsonObject
            {
                ["id"] = "def456uvw",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = "search_web", ["arguments"] = Arguments("""{"query": "Paris events", "max_results": 3}""") },
            });
        }
        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "user", ["content"] = "What's the weather like in Paris today?" },
            new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = profile.ToolCallContent,
                ["tool_plan"] = "I will look up the weather in Paris.",
                ["tool_calls"] = calls,
            },
            new JsonObject { ["role"] = "tool", ["tool_call_id"] = "abc123xyz", ["name"] = "get_current_weather", ["content"] = """{"temperature": 22, "condition": "sunny"}""" },
        };
        if (parallel)
        {
            messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = "def456uvw", ["name"] = "search_web", ["content"] = "No events found." });
        }
        if (answered)
        {
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = "It is sunny and 22 °C in Paris." });
        }
        return messages.ToJsonString();
    }
}
