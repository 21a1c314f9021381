using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Generation.Constraints;
using Strata.Models.Templates;
using Strata.Models.Tests.Generation;
using Strata.Models.Tools;

namespace Strata.Models.Tests.Tools;

/// <summary>
/// Tool calling's model side: the family read from real chat templates, replies parsed per family (unknown tools
/// dropped, never returned), earlier calls handed to templates as objects, and the auto-mode constraint: free text,
/// then a call that ajv validates against the tool's schema, whatever a random model picks.
/// </summary>
public class ToolCallingTests
{
    private static readonly JsonElement WeatherSchema = JsonDocument.Parse("""
        {"type": "object", "properties": {"city": {"type": "string", "maxLength": 10}, "unit": {"enum": ["C", "F"]}}, "required": ["city"], "additionalProperties": false}
        """).RootElement.Clone();

    private static readonly JsonElement NoArguments = JsonDocument.Parse("""{"type": "object", "properties": {}, "additionalProperties": false}""").RootElement.Clone();

    private static readonly IReadOnlyList<ToolFunction> Tools =
        [new ToolFunction("get_weather", "Weather for a city", WeatherSchema), new ToolFunction("add", null, NoArguments)];

    private static string Template(string file) => File.ReadAllText(Path.Combine(TestPaths.SharedData, "chat-templates", file));

    [Theory]
    [InlineData("Qwen-Qwen2.5-7B-Instruct.jinja", "hermes")]
    [InlineData("NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja", "hermes")]
    [InlineData("meta-llama-Llama-3.1-8B-Instruct.jinja", "llama3")]
    [InlineData("meta-llama-Llama-3.2-3B-Instruct.jinja", "llama3")]
    [InlineData("mistralai-Mistral-Nemo-Instruct-2407.jinja", "mistral")]
    [InlineData("CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja", "command-r7b")]
    [InlineData("CohereForAI-c4ai-command-r-plus-tool_use.jinja", "command-r-plus")]
    [InlineData("meetkai-functionary-medium-v3.1.jinja", "functionary-v3.1")]
    [InlineData("meetkai-functionary-medium-v3.2.jinja", "functionary-v3.2")]
    public void TheFamilyIsReadFromTheTemplate(string file, string family) => Assert.Equal(family, ToolCallSyntax.For(Template(file)).Name);

    /// <summary>
    /// What each real template writes for an assistant's calls (the conversation with the calls, less the prompt that
    /// asks for them) is what the model of that family writes; the family's parser must read the same calls back.
    /// </summary>
    [Theory]
    [InlineData("Qwen-Qwen2.5-7B-Instruct.jinja")]
    [InlineData("NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja")]
    [InlineData("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja")]
    [InlineData("meta-llama-Llama-3.1-8B-Instruct.jinja")]
    [InlineData("meta-llama-Llama-3.3-70B-Instruct.jinja")]
    [InlineData("mistralai-Mistral-Nemo-Instruct-2407.jinja")]
    [InlineData("CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja")]
    [InlineData("CohereForAI-c4ai-command-r-plus-tool_use.jinja")]
    [InlineData("meetkai-functionary-medium-v3.1.jinja")]
    [InlineData("meetkai-functionary-medium-v3.2.jinja")]
    public void EachFamilyReadsBackTheCallsItsTemplateWrites(string file)
    {
        string source = Template(file);
        // Some templates print every tool's and parameter's description (and fail without them, as in transformers).
        var described = JsonDocument.Parse("""
            {"type": "object", "properties": {"city": {"type": "string", "description": "The city"}, "unit": {"type": "string", "enum": ["C", "F"], "description": "The unit"}}, "required": ["city"]}
            """).RootElement.Clone();
        var use = new ToolUse([new ToolFunction("get_weather", "Weather for a city", described)], ToolChoice.Auto, parallel: true, source);
        var template = new ChatTemplate(source, new FixedClock());
        var variables = new Dictionary<string, JsonNode?>(use.Variables) { ["bos_token"] = "", ["eos_token"] = "</s>" };
        var question = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Weather in Paris?" });
        var call = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = null,
            ["tool_calls"] = new JsonArray(new JsonObject { ["id"] = "call_7", ["type"] = "function", ["function"] = new JsonObject { ["name"] = "get_weather", ["arguments"] = "{\"city\": \"Paris\", \"unit\": \"C\"}" } }),
        };
        string prompt = template.Render(use.Messages(question), addGenerationPrompt: true, variables);
        string whole = template.Render(use.Messages(new JsonArray(question[0]!.DeepClone(), call)), addGenerationPrompt: false, variables);
        // Command R+'s generation prompt adds an instruction turn the finished conversation does not have: there the
        // reply is what follows the part both share.
        int common = 0;
        while (common < Math.Min(prompt.Length, whole.Length) && prompt[common] == whole[common]) common++;
        if (!file.Contains("command-r-plus", StringComparison.Ordinal)) Assert.Equal(prompt.Length, common);
        var reply = use.Parse(whole[common..]);
        var read = Assert.Single(reply.Calls);
        Assert.Equal("get_weather", read.Name);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"city": "Paris", "unit": "C"}"""), JsonNode.Parse(read.Arguments)), read.Arguments);
    }

    /// <summary>For every family, required calls decoded by a random model (random logits over a real vocabulary) parse with that family's parser and validate (ajv).</summary>
    [Theory]
    [InlineData("<tool_call>", "hermes")]
    [InlineData("\"parameters\": dictionary of argument name", "llama3")]
    [InlineData("[TOOL_CALLS]", "mistral")]
    [InlineData("<|START_ACTION|>", "command-r7b")]
    [InlineData("Action: tool_name", "command-r-plus")]
    [InlineData("<function=", "functionary-v3.1")]
    [InlineData(">>>all", "functionary-v3.2")]
    public void EveryFamilysRequiredCallsParseAndValidate(string marker, string family)
    {
        var use = new ToolUse(Tools, ToolChoice.Required, parallel: true, "{# " + marker + " #}");
        Assert.Equal(family, use.Syntax.Name);
        var calls = new List<(string Name, string Arguments)>();
        for (int seed = 0; seed < 40; seed++)
        {
            if (StructuredOutputReference.RandomModel(use.Constraint!, seed, maxTokens: 400) is not string reply) continue;
            var parsed = use.Parse(reply);
            Assert.True(parsed.Calls.Count > 0, $"{family}: no call read from {use.Prefill}{reply}");
            Assert.Empty(parsed.Dropped);
            calls.AddRange(parsed.Calls.Select(c => (c.Name, c.Arguments)));
        }
        Assert.True(calls.Count >= 20, $"{family}: only {calls.Count} calls");
        var verdicts = StructuredOutputReference.Check(calls.Select(c => (
            (JsonNode?)JsonNode.Parse(c.Name == "add" ? NoArguments.GetRawText() : WeatherSchema.GetRawText()), (string?)null, c.Arguments)));
        Assert.All(verdicts, v => Assert.Null(v));
    }

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2025, 3, 9, 12, 0, 0, TimeSpan.Zero);
    }

    [Fact]
    public void HermesRepliesKeepTheTextAndDropUnknownTools()
    {
        var reply = ToolCallSyntax.Hermes.Parse(
            "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"rm_rf\", \"arguments\": {}}\n</tool_call><tool_call>{\"name\": \"add\", \"arguments\": \"{}\"}</tool_call>",
            Tools);
        Assert.Equal("Let me check.", reply.Content);
        Assert.Equal([("get_weather", """{"city":"Oslo"}"""), ("add", "{}")], reply.Calls.Select(c => (c.Name, c.Arguments)));
        Assert.Contains(reply.Dropped, d => d.Contains("rm_rf"));
    }

    [Fact]
    public void LlamaAndMistralRepliesAreReadInTheirOwnFormats()
    {
        var llama = ToolCallSyntax.Llama3.Parse("<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Lima\", \"unit\": \"C\"}}", Tools);
        Assert.Null(llama.Content);
        Assert.Equal(("get_weather", """{"city":"Lima","unit":"C"}"""), (llama.Calls.Single().Name, llama.Calls.Single().Arguments));

        var mistral = ToolCallSyntax.MistralNemo.Parse("[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {}, \"id\": \"a1b2c3d4e\"}, {\"name\": \"nope\", \"arguments\": {}}]", Tools);
        Assert.Equal("a1b2c3d4e", mistral.Calls.Single().Id);
        Assert.Single(mistral.Dropped);

        Assert.Equal("just text", ToolCallSyntax.Hermes.Parse("just text", Tools).Content);
    }

    [Fact]
    public void EarlierCallsReachTheTemplateWithObjectArguments()
    {
        var messages = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = "Weather?" },
            new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new JsonArray(new JsonObject { ["id"] = "call_1", ["type"] = "function", ["function"] = new JsonObject { ["name"] = "get_weather", ["arguments"] = "{\"city\": \"Paris\"}" } }),
            },
            new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_1", ["content"] = "18C" });
        var qwen = new ToolUse(Tools, ToolChoice.Auto, parallel: true, Template("Qwen-Qwen2.5-7B-Instruct.jinja"));
        string rendered = new ChatTemplate(Template("Qwen-Qwen2.5-7B-Instruct.jinja")).Render(qwen.Messages(messages), true, qwen.Variables);
        Assert.Contains("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}", rendered);
        Assert.Contains("<tool_response>\n18C\n</tool_response>", rendered);
        Assert.Contains("\"name\": \"add\"", rendered); // the tools are listed

        // A template that knows nothing of tools gets them, and the earlier call, in Hermes' words.
        const string plainChatMl = """
            {%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}{%- endfor %}
            {%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}
            """;
        var plain = new ToolUse(Tools, ToolChoice.Auto, parallel: true, plainChatMl);
        string chatml = new ChatTemplate(plainChatMl).Render(plain.Messages(messages), true, plain.Variables);
        Assert.StartsWith("<|im_start|>system\n# Tools", chatml);
        Assert.Contains("<tool_call>\n{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call>", chatml);
        Assert.Contains("<|im_start|>user\n<tool_response>\n18C\n</tool_response>", chatml);

        // Strata's own template writes them compactly, for small contexts, as StrataToolFormat writes training data.
        var own = new ToolUse(Tools, ToolChoice.Auto, parallel: true, ChatTemplate.ChatMlSource);
        string compact = new ChatTemplate(ChatTemplate.ChatMlSource).Render(own.Messages(messages), true, own.Variables);
        Assert.Equal("<|im_start|>system\nTools: get_weather add<|im_end|>\n<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n"
            + StrataToolFormat.Call("get_weather", JsonNode.Parse("{\"city\": \"Paris\"}")) + "<|im_end|>\n<|im_start|>tool\n18C<|im_end|>\n<|im_start|>assistant\n", compact);
        Assert.Equal("<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>", StrataToolFormat.Call("get_weather", JsonNode.Parse("{\"city\":\"Paris\"}")));
        Assert.Equal("hermes", ToolCallSyntax.For(ChatTemplate.ChatMlSource).Name);
    }

    [Fact]
    public void InAutoModeTextIsFreeAndACallOnceOpenedAlwaysValidates()
    {
        var tokenizer = StructuredOutputReference.Vocabulary;
        var trie = TokenTrie.For(tokenizer);
        var use = new ToolUse(Tools, ToolChoice.Auto, parallel: true, null);
        var calls = new List<(string Name, string Arguments)>();
        for (int seed = 0; seed < 60; seed++)
        {
            var state = use.Constraint!.Start(trie);
            var random = new Random(seed);
            var text = new List<int>();
            var logits = new float[tokenizer.VocabularySize];
            // Free text: any token passes the mask untouched.
            foreach (int token in tokenizer.Encode("Checking, then <tool_call>", parseSpecialTokens: false))
            {
                Array.Fill(logits, 0f);
                Assert.Equal(logits.Length, state.Mask(logits, new HashSet<int>()));
                state.Accept(token);
                text.Add(token);
            }
            // Inside the call: random tokens among those the mask allows, until the call closes (free again).
            for (int step = 0; step < 300; step++)
            {
                for (int i = 0; i < logits.Length; i++) logits[i] = (float)random.NextDouble();
                if (state.Mask(logits, new HashSet<int>()) == logits.Length) break;
                int best = Array.IndexOf(logits, logits.Max());
                state.Accept(best);
                text.Add(best);
            }
            var reply = use.Parse(tokenizer.Decode(text));
            Assert.Equal("Checking, then", reply.Content);
            calls.AddRange(reply.Calls.Select(c => (c.Name, c.Arguments)));
        }
        Assert.True(calls.Count >= 50, $"only {calls.Count} of 60 calls closed within 300 tokens");
        var verdicts = StructuredOutputReference.Check(calls.Select(c => (
            (JsonNode?)JsonNode.Parse(c.Name == "add" ? NoArguments.GetRawText() : WeatherSchema.GetRawText()), (string?)null, c.Arguments)));
        Assert.All(verdicts, v => Assert.Null(v));
    }
}
