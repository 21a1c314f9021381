using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Configuration;
using Strata.Models.Llama;
using Strata.Models.Tokenization;
using Strata.Serving.Hosting;
using Strata.Serving.Registry;
using TorchSharp;

namespace Strata.Serving.Tests.Registry;

/// <summary>
/// Hub-layout models with real published tokenizers and chat templates (Llama 3's byte-level BPE with its own
/// template; Mistral's SentencePiece BPE with Mistral's template): the chat prompt Strata builds must equal, id for
/// id, what Hugging Face's stack builds — the template rendered by @huggingface/jinja, then tokenized by HF's
/// tokenizers Rust core without added special tokens (apply_chat_template's behaviour).
/// </summary>
public sealed class HubChatPromptTests
{
    private static readonly JsonArray Conversation = JsonNode.Parse("""
        [{"role": "user", "content": "Hello there! Who wrote Hamlet?"},
         {"role": "assistant", "content": "William Shakespeare, around 1600."},
         {"role": "user", "content": "  And Macbeth?  Answer in one word: [INST] <s> ünïcödé 🦙"}]
        """)!.AsArray();

    public static TheoryData<string, string?> Models => new()
    {
        { "tokenizer-llama3", null },
        { "tokenizer-llama2", "mistralai-Mistral-Nemo-Instruct-2407.jinja" },
    };

    [Theory, MemberData(nameof(Models))]
    public async Task ChatPromptIdsEqualHuggingFacesAndTheServerAnswers(string package, string? sharedTemplate)
    {
        string directory = MakeHubDirectory(package, sharedTemplate);
        using var model = ServedModel.Load(directory, "hub");
        Assert.Equal("jinja", model.Prompts.Format);
        var ours = model.EncodeChatPrompt(Conversation.DeepClone().AsArray());

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer_config.json")))!;
        string rendered = NodeTools.RunScript("render-chat-template.mjs", new JsonObject
        {
            ["template"] = config["chat_template"]!.GetValue<string>(),
            ["messages"] = Conversation.DeepClone(),
            ["add_generation_prompt"] = true,
            ["bos_token"] = model.Metadata.BosToken,
            ["eos_token"] = model.Metadata.EosToken,
        }.ToJsonString());
        var reference = JsonNode.Parse(NodeTools.RunScript("hf-rust-encode.mjs", new JsonObject
        {
            ["tokenizer"] = Path.Combine(directory, "tokenizer.json"),
            ["texts"] = new JsonArray(rendered),
        }.ToJsonString()))!["ids"]![0]!.AsArray().Select(id => id!.GetValue<int>()).ToArray();
        Assert.Equal(reference, ours);
        Assert.Equal(model.Tokenizer.BosTokenId, ours[0]);   // the template wrote the BOS; nothing added twice

        await using var server = StrataServer.Create(new ServerOptions { Urls = ["http://127.0.0.1:0"], Models = [new ModelSource(directory, "hub")] });
        await server.StartAsync();
        await server.Loading;
        using var client = new HttpClient { BaseAddress = new Uri(server.Addresses.First() + "/") };
        using var response = await client.PostAsJsonAsync("v1/chat/completions", new { model = "hub", messages = Conversation, max_tokens = 4, temperature = 0 });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.Equal(reference.Length, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task TemplateRefusalIsA400WithTheTemplatesMessage()
    {
        string directory = MakeHubDirectory("tokenizer-llama2", "mistralai-Mistral-Nemo-Instruct-2407.jinja");
        await using var server = StrataServer.Create(new ServerOptions { Urls = ["http://127.0.0.1:0"], Models = [new ModelSource(directory, "hub")] });
        await server.StartAsync();
        await server.Loading;
        using var client = new HttpClient { BaseAddress = new Uri(server.Addresses.First() + "/") };
        var messages = new[] { new { role = "user", content = "a" }, new { role = "user", content = "b" } };
        using var response = await client.PostAsJsonAsync("v1/chat/completions", new { model = "hub", messages });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        string error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("roles must alternate", error);
    }

    private static string MakeHubDirectory(string package, string? sharedTemplate)
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string source = Path.Combine(NodeTools.NodeModules, "@lenml", package, "models");
        File.Copy(Path.Combine(source, "tokenizer.json"), Path.Combine(directory, "tokenizer.json"));
        var tokenizerConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "tokenizer_config.json")))!;
        if (sharedTemplate is not null)
        {
            tokenizerConfig["chat_template"] = File.ReadAllText(Path.Combine(TestPaths.SharedData, "chat-templates", sharedTemplate));
        }
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), tokenizerConfig.ToJsonString());
        var tokenizer = StrataTokenizer.FromDirectory(directory);
        var config = ModelPresets.Tiny(tokenizer.VocabularySize) with
        {
            BosTokenId = tokenizer.BosTokenId,
            EosTokenIds = [tokenizer.EosTokenId!.Value],
            TieWordEmbeddings = false,
        };
        using var model = LlamaCheckpoint.Create(config, seed: 5);
        model.to(torch.ScalarType.BFloat16);
        LlamaCheckpoint.Save(model, directory, maxShardBytes: 4L << 20);
        return directory;
    }
}
