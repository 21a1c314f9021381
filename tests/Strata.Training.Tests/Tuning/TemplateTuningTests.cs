using System.Text.Json.Nodes;
using Strata.Cli;
using Strata.Models.Configuration;
using Strata.Models.Llama;
using Strata.Models.Loading;
using Strata.Models.Tokenization;

namespace Strata.Training.Tests.Tuning;

/// <summary>
/// An open-weight model with its own chat template (here Llama 3's tokenizer and Llama 3.1's template, which has no
/// ChatML tokens) tunes — full or LoRA — in that template, and the tuned folder keeps the template and end-of-turn ids
/// its users and servers already speak, instead of being refused for lacking &lt;|im_start|&gt;.
/// </summary>
public class TemplateTuningTests
{
    private static readonly string Conversations = Path.Combine(TestPaths.SharedData, "conversations", "fastchat-dummy_conversation.json");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ModelTunesInItsOwnTemplateAndKeepsIt(bool lora)
    {
        string root = TestPaths.NewTemporaryDirectory();
        string baseModel = Llama3ShapedModel(Path.Combine(root, "base"));
        string template = ChatTemplateOf(baseModel);
        string output = Path.Combine(root, "tuned");

        var log = new StringWriter();
        string[] loraFlags = lora ? ["--lora", "--lora-rank", "4"] : [];
        int code = await StrataCli.RunAsync(
            ["tune", "--stage", "dialogue", "--model", baseModel, "--data", Conversations, "--out", output, .. loraFlags,
             "--max-steps", "3", "--batch-size", "2", "--context-length", "96", "--eval-interval", "3"], log, log);
        Assert.True(code == 0, log.ToString());

        string model = output;
        if (lora)
        {
            model = Path.Combine(root, "merged");
            Assert.Equal(0, await StrataCli.RunAsync(["merge", "--model", baseModel, "--adapter", output, "--out", model], log, log));
        }
        var package = ModelPackage.Open(model);
        Assert.Equal(template, package.Metadata.ChatTemplate);
        Assert.Contains(128009, package.EndOfSequenceIds); // <|eot_id|>, from the base's generation_config.json
        Assert.Null(package.Tokenizer.TokenToId("<|im_start|>"));
        Assert.Contains("in the model's own chat template", log.ToString());
    }

    [Fact]
    public async Task ConversationTheTemplateRefusesNamesTheModel()
    {
        string root = TestPaths.NewTemporaryDirectory();
        string baseModel = Llama3ShapedModel(Path.Combine(root, "base"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(baseModel, "tokenizer_config.json")))!;
        config["chat_template"] = "{{ raise_exception('this model takes no system messages') }}";
        File.WriteAllText(Path.Combine(baseModel, "tokenizer_config.json"), config.ToJsonString());

        var log = new StringWriter();
        int code = await StrataCli.RunAsync(["tune", "--stage", "command", "--model", baseModel, "--data", Conversations, "--out", Path.Combine(root, "out"), "--max-steps", "1"], log, log);
        Assert.NotEqual(0, code);
        Assert.Contains("the chat template refuses a conversation", log.ToString());
        Assert.Contains("this model takes no system messages", log.ToString());
    }

    /// <summary>A tiny random model with Llama 3's tokenizer, Llama 3.1's template and Meta's end-of-sequence ids.</summary>
    private static string Llama3ShapedModel(string directory)
    {
        Directory.CreateDirectory(directory);
        string source = Path.Combine(NodeTools.NodeModules, "@lenml", "tokenizer-llama3", "models");
        File.Copy(Path.Combine(source, "tokenizer.json"), Path.Combine(directory, "tokenizer.json"));
        var tokenizerConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "tokenizer_config.json")))!;
        tokenizerConfig["chat_template"] = File.ReadAllText(Path.Combine(TestPaths.SharedData, "chat-templates", "meta-llama-Llama-3.1-8B-Instruct.jinja"));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), tokenizerConfig.ToJsonString());
        File.WriteAllText(Path.Combine(directory, "generation_config.json"), """{"bos_token_id": 128000, "eos_token_id": [128001, 128009]}""");
        var tokenizer = StrataTokenizer.FromDirectory(directory);
        var config = ModelPresets.Tiny(tokenizer.VocabularySize) with { BosTokenId = tokenizer.BosTokenId, EosTokenIds = [128001] };
        using var model = LlamaCheckpoint.Create(config, seed: 3);
        LlamaCheckpoint.Save(model, directory);
        return directory;
    }

    private static string ChatTemplateOf(string directory) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer_config.json")))!["chat_template"]!.GetValue<string>();
}
