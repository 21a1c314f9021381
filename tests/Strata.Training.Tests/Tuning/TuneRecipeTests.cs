using System.Text.Json.Nodes;
using Strata.Cli;
using Strata.Models.Configuration;
using Strata.Models.Tokenization;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Tuning;

/// <summary><c>strata tune</c> end to end on a tiny model and the shared ShareGPT-style conversations.</summary>
public class TuneRecipeTests
{
    [Theory]
    [InlineData("command")]
    [InlineData("dialogue")]
    public async Task TuneProducesAChatModelThatStopsAtImEnd(string stage)
    {
        string root = TestPaths.NewTemporaryDirectory();
        string baseModel = Path.Combine(root, "base");
        var init = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["init", "--preset", "tiny", "--out", baseModel], init, init));
        string conversations = Path.Combine(TestPaths.SharedData, "conversations", "fastchat-dummy_conversation.json");
        string output = Path.Combine(root, stage);

        var log = new StringWriter();
        int code = await StrataCli.RunAsync(
            ["tune", "--stage", stage, "--model", baseModel, "--data", conversations, "--out", output,
             "--max-steps", "12", "--batch-size", "4", "--context-length", "128", "--learning-rate", "3e-3"], log, log);
        Assert.True(code == 0, log.ToString());

        var config = ModelConfig.Load(output);
        var tokenizer = StrataTokenizer.FromTokenizerJson(Path.Combine(output, "tokenizer.json"));
        Assert.Equal(tokenizer.TokenToId("<|im_end|>"), config.EosTokenIds[0]);
        var tokenizerConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "tokenizer_config.json")))!;
        Assert.Equal(ChatFormat.ChatTemplate, (string)tokenizerConfig["chat_template"]!);
        Assert.True(File.Exists(Path.Combine(output, "report", "loss.png")));
        Assert.Contains("held-out loss", log.ToString());

        var chat = new StringWriter();
        var chatError = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["generate", "--chat", "--model", output, "--prompt", "Hello", "--max-tokens", "8", "--seed", "1"], chat, chatError));
        Assert.DoesNotContain("<|im_start|>", chat.ToString());
        // The CLI sends exactly the ChatML prompt (format checked against @huggingface/jinja in ChatTemplateJinjaTests).
        int promptTokens = new ChatFormat(tokenizer).RenderPrompt([new ChatMessage(ChatRole.User, "Hello")]).Length;
        Assert.Contains($"[{promptTokens} prompt tokens", chatError.ToString());
    }
}
