using System.Text.Json;
using Strata.Cli;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Cli;

/// <summary>The <c>strata</c> command run in-process: the newcomer's path and its error messages.</summary>
public class CliTests
{
    private static async Task<(int Code, string Output, string Error)> Strata(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await StrataCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<string> InitTinyModel()
    {
        string dir = Path.Combine(TestPaths.NewTemporaryDirectory(), "tiny");
        var (code, _, error) = await Strata("init", "--preset", "tiny", "--out", dir, "--seed", "4");
        Assert.True(code == 0, error);
        return dir;
    }

    [Fact]
    public async Task GenerateJsonWritesAJsonObject()
    {
        string dir = await InitTinyModel();
        int ended = 0;
        for (int seed = 0; seed < 8; seed++)
        {
            var run = await Strata("generate", "--model", dir, "--chat", "--prompt", "A cat, as JSON", "--json-object", "--max-tokens", "96", "--temperature", "1.2", "--seed", seed.ToString());
            Assert.True(run.Code == 0, run.Error);
            Assert.StartsWith("{", run.Output.TrimStart());
            if (!run.Error.Contains("finish: EndOfSequence")) continue;
            using var document = JsonDocument.Parse(run.Output);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            ended++;
        }
        Assert.True(ended > 0, "no --json-object run ended within 96 tokens");
    }

    [Fact]
    public async Task GenerateFollowsARegexOrAJsonSchemaAndNamesWhatItCannotEnforce()
    {
        string dir = await InitTinyModel();
        var run = await Strata("generate", "--model", dir, "--prompt", "Order:", "--regex", @"[A-Z]{2}-\d{4}", "--max-tokens", "20", "--seed", "1");
        Assert.True(run.Code == 0, run.Error);
        Assert.Matches(@"^Order:[A-Z]{2}-\d{4}$", run.Output);

        string schema = Path.Combine(TestPaths.NewTemporaryDirectory(), "schema.json");
        File.WriteAllText(schema, """{"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "additionalProperties": false}""");
        var json = await Strata("generate", "--model", dir, "--chat", "--prompt", "Well?", "--json-schema", schema, "--max-tokens", "40", "--seed", "2");
        Assert.True(json.Code == 0, json.Error);
        Assert.Matches(@"^\{\s*""ok""\s*:\s*(true|false)\s*\}\s*$", json.Output);

        File.WriteAllText(schema, """{"type": "string", "format": "hostname"}""");
        var refused = await Strata("generate", "--model", dir, "--prompt", "x", "--json-schema", schema);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("schema.json", refused.Error);
        Assert.Contains("format 'hostname'", refused.Error);
        File.WriteAllText(schema, "{\n  \"type\": \"string\",,\n}");
        var broken = await Strata("generate", "--model", dir, "--prompt", "x", "--json-schema", schema);
        Assert.Contains("line 2", broken.Error);
    }

    [Fact]
    public async Task GenerateWithToolsPrintsTheCallsAndNamesABadToolsFile()
    {
        string dir = await InitTinyModel();
        string tools = Path.Combine(TestPaths.NewTemporaryDirectory(), "tools.json");
        File.WriteAllText(tools, """[{"type": "function", "function": {"name": "add", "parameters": {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 9}, "b": {"type": "integer", "minimum": 0, "maximum": 9}}, "required": ["a", "b"], "additionalProperties": false}}}]""");
        int called = 0;
        for (int seed = 0; seed < 4; seed++)
        {
            var run = await Strata("generate", "--model", dir, "--chat", "--prompt", "2+3?", "--tools", tools, "--tool-choice", "add", "--max-tokens", "150", "--seed", seed.ToString());
            Assert.True(run.Code == 0, run.Error);
            Assert.StartsWith("<tool_call>", run.Output);
            var line = run.Output.Split('\n').FirstOrDefault(l => l.StartsWith("→ add(", StringComparison.Ordinal));
            if (line is null) continue; // ran out of tokens inside the call
            using var arguments = JsonDocument.Parse(line["→ add(".Length..^1]);
            Assert.InRange(arguments.RootElement.GetProperty("a").GetInt32(), 0, 9);
            called++;
        }
        Assert.True(called > 0, "no call ended within 150 tokens");

        var noChat = await Strata("generate", "--model", dir, "--prompt", "x", "--tools", tools);
        Assert.Contains("--tools needs --chat", noChat.Error);
        File.WriteAllText(tools, """[{"type": "function", "function": {"name": "two words"}}]""");
        var bad = await Strata("generate", "--model", dir, "--chat", "--prompt", "x", "--tools", tools);
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("tools.json[0].function.name", bad.Error);
    }

    [Fact]
    public async Task GenerateWithVerifiedSearchListsCandidatesAndFailsWhenNoneVerifies()
    {
        string dir = await InitTinyModel();
        var all = await Strata("generate", "--model", dir, "--prompt", "To be", "--max-tokens", "4", "--seed", "3", "--samples", "3", "--verify", "regex:(?s).*");
        Assert.True(all.Code == 0, all.Error);
        Assert.Contains("[1] verified, mean log-prob", all.Error);
        Assert.Contains("[3] verified", all.Error);
        Assert.Contains("3 samples", all.Error);
        Assert.Contains("3 verified by regex:(?s).*", all.Error);

        var none = await Strata("generate", "--model", dir, "--prompt", "To be", "--max-tokens", "4", "--seed", "3", "--samples", "2", "--verify", "exact:no model says this");
        Assert.Equal(5, none.Code);
        Assert.Contains("0 verified", none.Error);

        var bad = await Strata("generate", "--model", dir, "--prompt", "To be", "--verify", "unit-tests");
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("unknown verifier 'unit-tests'", bad.Error);
    }

    [Fact]
    public async Task InitBertTinyWritesAnEncoderFolderThatLanguageModelCommandsExplain()
    {
        string dir = Path.Combine(TestPaths.NewTemporaryDirectory(), "bert");
        var init = await Strata("init", "--preset", "bert-tiny", "--out", dir);
        Assert.True(init.Code == 0, init.Error);
        Assert.Contains("bert-tiny preset", init.Output);
        foreach (string file in new[] { "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "modules.json", Path.Combine("1_Pooling", "config.json") })
        {
            Assert.True(File.Exists(Path.Combine(dir, file)), file);
        }
        Assert.Equal("bert", JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))).RootElement.GetProperty("model_type").GetString());

        var generate = await Strata("generate", "--model", dir, "--prompt", "hi");
        Assert.NotEqual(0, generate.Code);
        Assert.Contains("encoder", generate.Error);

        var tokenizerFlag = await Strata("init", "--preset", "bert-tiny-reranker", "--out", dir + "2", "--alibi");
        Assert.NotEqual(0, tokenizerFlag.Code);
        Assert.Contains("--alibi", tokenizerFlag.Error);
    }

    [Fact]
    public async Task InitThenInspectGenerateScoreAndTokenize()
    {
        string dir = await InitTinyModel();
        Assert.True(File.Exists(Path.Combine(dir, "config.json")));
        Assert.True(File.Exists(Path.Combine(dir, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "tokenizer.json")));

        var inspect = await Strata("inspect", dir);
        Assert.Equal(0, inspect.Code);
        Assert.Contains("LlamaForCausalLM", inspect.Output);
        Assert.Contains("F32", inspect.Output);

        var first = await Strata("generate", "--model", dir, "--prompt", "To be", "--max-tokens", "12", "--seed", "9");
        var second = await Strata("generate", "--model", dir, "--prompt", "To be", "--max-tokens", "12", "--seed", "9");
        Assert.Equal(0, first.Code);
        Assert.StartsWith("To be", first.Output);
        Assert.Equal(first.Output, second.Output); // same seed, same text
        Assert.Contains("tokens/s", first.Error);

        var score = await Strata("score", "--model", dir, "--text", "To be or not to be", "--json");
        Assert.Equal(0, score.Code);
        using var json = JsonDocument.Parse(score.Output);
        var tokens = json.RootElement.GetProperty("tokens").EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Null, tokens[0].GetProperty("logprob").ValueKind); // BOS has no context
        Assert.All(tokens.Skip(1), t => Assert.True(t.GetProperty("logprob").GetDouble() < 0));

        var tokenize = await Strata("tokenize", "--model", dir, "--text", "To be", "--json");
        Assert.Equal(0, tokenize.Code);
        Assert.Contains("\"ids\"", tokenize.Output);
    }

    /// <summary>The commands with a <c>--json</c> flag, each with arguments that make it print JSON.</summary>
    private static readonly Dictionary<string, Func<string, string[]>> JsonCommands = new()
    {
        ["score"] = dir => ["score", "--model", dir, "--text", "To be or not", "--json"],
        ["tokenize"] = dir => ["tokenize", "--model", dir, "--text", "To be", "--json"],
        ["list"] = dir => ["docs", "list", "--tenant", "acme", "--documents", StoreWithOneDocument(), "--json"],
    };

    private static string StoreWithOneDocument()
    {
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "documents.db");
        using var store = global::Strata.Serving.Documents.DocumentStores.Open(new global::Strata.Serving.Storage.StoreLocation.Sqlite(path));
        store.Add("acme", "a.txt", "text/plain", "To be or not", [new global::Strata.Serving.Documents.NewChunk(0, 12, "To be or not", null, null)], null);
        return path;
    }

    [Fact]
    public void EveryJsonFlagOfTheCliIsCoveredByTheKeyNameTest()
    {
        // A command that gains --json fails here until JsonOutputsUseSnakeCaseKeys checks its keys too.
        var root = StrataCli.CreateRoot(new CliContext(TextWriter.Null, TextWriter.Null, new("--verbose")));
        var withJson = Descendants(root).Where(c => c.Options.Any(o => o.Name == "--json")).Select(c => c.Name);
        Assert.Equal(JsonCommands.Keys.Order(), withJson.Order());

        static IEnumerable<System.CommandLine.Command> Descendants(System.CommandLine.Command command) =>
            command.Subcommands.SelectMany(c => Descendants(c).Prepend(c));
    }

    [Fact]
    public async Task JsonOutputsUseSnakeCaseKeys()
    {
        string dir = await InitTinyModel();
        var keys = new Dictionary<string, SortedSet<string>>();
        foreach (var (name, arguments) in JsonCommands)
        {
            var (code, output, error) = await Strata(arguments(dir));
            Assert.True(code == 0, error);
            using var json = JsonDocument.Parse(output);
            keys[name] = Keys(json.RootElement);
        }

        // The names Hugging Face and OpenAI use: "logprob" as one word, lists of {"id", "token"}.
        Assert.Equal(["id", "ids", "token", "tokens"], keys["tokenize"]);
        Assert.Equal(["id", "logprob", "perplexity", "scored_tokens", "token", "tokens", "total_logprob"], keys["score"]);
        Assert.Equal(["characters", "chunks", "created_at", "data", "embedder", "id", "media_type", "name", "object"], keys["list"]);
        Assert.All(keys.Values.SelectMany(k => k), key => Assert.Matches("^[a-z]+(_[a-z]+)*$", key));
    }

    /// <summary>Every property name in a JSON document, at any depth.</summary>
    private static SortedSet<string> Keys(JsonElement element)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in e.EnumerateObject())
                {
                    keys.Add(property.Name);
                    Walk(property.Value);
                }
            }
            else if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray()) Walk(item);
            }
        }
        Walk(element);
        return keys;
    }

    [Fact]
    public async Task TokenizerTrainWritesATokenizerThatInitAccepts()
    {
        string dir = TestPaths.NewTemporaryDirectory();
        string corpus = Path.Combine(TestPaths.SharedData, "bpe-training", "corpus.en");
        string tokenizer = Path.Combine(dir, "tok", "tokenizer.json");
        var train = await Strata("tokenizer", "train", "--input", corpus, "--vocab-size", "400", "--out", tokenizer);
        Assert.True(train.Code == 0, train.Error);
        var init = await Strata("init", "--preset", "tiny", "--tokenizer", tokenizer, "--out", Path.Combine(dir, "m"));
        Assert.True(init.Code == 0, init.Error);
        Assert.Contains("vocabulary 400", init.Output);
    }

    [Fact]
    public async Task MissingModelDirectoryIsOneClearLine()
    {
        var (code, _, error) = await Strata("generate", "--model", "/nonexistent/model", "--prompt", "x");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/model", error);
        Assert.DoesNotContain("   at ", error); // no stack trace without --verbose
    }

    [Fact]
    public async Task CorruptSafetensorsHeaderNamesTheFile()
    {
        string dir = await InitTinyModel();
        string weights = Path.Combine(dir, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        BitConverter.GetBytes((ulong)bytes.Length * 4).CopyTo(bytes, 0); // header length past the end of the file
        File.WriteAllBytes(weights, bytes);

        var (code, _, error) = await Strata("generate", "--model", dir, "--prompt", "x");
        Assert.Equal(1, code);
        Assert.Contains("model.safetensors", error);
        Assert.DoesNotContain("   at ", error);

        var verbose = await Strata("generate", "--model", dir, "--prompt", "x", "--verbose");
        Assert.Contains("   at ", verbose.Error);
    }

    [Fact]
    public async Task UnknownArchitectureIsRefused()
    {
        string dir = await InitTinyModel();
        string config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("LlamaForCausalLM", "GPTNeoXForCausalLM"));
        var (code, _, error) = await Strata("inspect", dir);
        Assert.Equal(1, code);
        Assert.Contains("unsupported architecture", error);
        Assert.Contains("config.json", error);
    }

    [Fact]
    public async Task BadSamplingFlagIsAClearError()
    {
        string dir = await InitTinyModel();
        var (code, _, error) = await Strata("generate", "--model", dir, "--prompt", "x", "--top-p", "1.5");
        Assert.Equal(1, code);
        Assert.Contains("top_p", error);
    }
}
