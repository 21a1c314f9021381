using System.Text.Json.Nodes;
using Strata.Models.Templates;
using Strata.Models.Tokenization;
using Strata.Models.Tools;
using Strata.Training.Quickstart;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Quickstart;

/// <summary>
/// The quickstart's tool-use family: its conversations are, token for token, what the server's prompt for the same
/// tools and turns renders (so the tuned model meets at serving time exactly what it was trained on), they fit the
/// quickstart's 128-token context, the executor computes by hand-checkable rules, and the held-out split shares no item.
/// </summary>
public class QuickstartToolsTests
{
    [Fact]
    public void TrainingConversationsAreWhatTheServedTemplateRenders()
    {
        var tools = new ToolUse(QuickstartTools.Functions, ToolChoice.Auto, parallel: true, ChatTemplate.ChatMlSource);
        foreach (var example in QuickstartTools.Examples(40, seed: 3))
        {
            var messages = example.Conversation.Messages;
            Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant], messages.Select(m => m.Role));
            var call = tools.Parse(messages[2].Content).Calls.Single();
            // As a client sends the same turns: no system turn (the tools make it), the call as tool_calls, the result as a tool message.
            var wire = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = messages[1].Content },
                new JsonObject
                {
                    ["role"] = "assistant",
                    ["content"] = null,
                    ["tool_calls"] = new JsonArray(new JsonObject { ["id"] = call.Id, ["type"] = "function", ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments } }),
                },
                new JsonObject { ["role"] = "tool", ["tool_call_id"] = call.Id, ["content"] = messages[3].Content });
            string served = new ChatTemplate(ChatTemplate.ChatMlSource).Render(tools.Messages(wire), addGenerationPrompt: true, tools.Variables);
            Assert.Equal(ChatFormat.RenderText(messages.Take(4).ToList(), addGenerationPrompt: true), served);
        }
    }

    [Fact]
    public void WithATokenizerTrainedAsTheQuickstartTrainsItConversationsFitItsContext()
    {
        // The corpus and a sample of the tool format, as QuickstartRecipe trains its tokenizer.
        using var corpus = new StreamReader(QuickstartRecipe.OpenCorpus());
        var held = QuickstartHeldOut.Create(new QuickstartOptions());
        var bpe = BpeTrainer.Train([corpus.ReadToEnd(), .. QuickstartTools.TokenizerSample(held.ToolTrain)],
            new BpeTrainerOptions(new QuickstartOptions().VocabSize) { SpecialTokens = [BundledTokenizer.EndOfText, ChatFormat.ImStart, ChatFormat.ImEnd] });
        string path = Path.Combine(Path.GetTempPath(), $"strata-tools-{Guid.NewGuid():N}.json");
        TokenizerJsonWriter.Write(bpe, path);
        var tokenizer = StrataTokenizer.FromTokenizerJson(path);
        File.Delete(path);
        var format = new ChatFormat(tokenizer);
        var lengths = QuickstartTools.Examples(400, seed: 5).GroupBy(e => e.Kind).ToDictionary(g => g.Key, g => g.Max(e => format.Render(e.Conversation).InputIds.Length));
        Assert.All(lengths, p => Assert.True(p.Value <= new QuickstartOptions().ContextLength, string.Join(", ", lengths)));
    }

    [Theory]
    [InlineData("add", """{"a": 17, "b": 25}""", true, "42")]
    [InlineData("add", """{"a": 17, "b": 1000}""", false, null)]
    [InlineData("add", """{"a": 17}""", false, null)]
    [InlineData("convert", """{"value": 10, "unit": "km"}""", true, "6.2")]
    [InlineData("convert", """{"value": 3, "unit": "kg"}""", true, "6.6")]
    [InlineData("convert", """{"value": 3, "unit": "lb"}""", false, null)]
    [InlineData("lookup", """{"name": "prospero"}""", true, "The Tempest")]
    [InlineData("lookup", """{"name": "falstaff"}""", false, null)]
    [InlineData("lookup", "not json", false, null)]
    public void TheExecutorComputesOrRefuses(string tool, string arguments, bool ok, string? result)
    {
        var (done, text) = QuickstartTools.Execute(tool, arguments);
        Assert.Equal(ok, done);
        if (ok) Assert.Equal(result, text);
        else Assert.StartsWith("error:", text);
    }

    [Fact]
    public void HeldOutToolTasksShareNoItemWithTraining()
    {
        var held = QuickstartHeldOut.Create(new QuickstartOptions());
        Assert.Equal(100, held.ToolHeldOut.Count);
        var trained = held.ToolTrain.Select(e => e.Conversation.Messages[2].Content).ToHashSet();
        Assert.All(held.ToolHeldOut, e => Assert.DoesNotContain(e.Conversation.Messages[2].Content, trained));
        Assert.Equal(4, held.ToolHeldOut.Select(e => e.Kind).Distinct().Count());
    }
}
