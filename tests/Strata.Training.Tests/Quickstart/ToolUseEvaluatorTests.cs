using Strata.Models.Tokenization;
using Strata.Models.Tools;
using Strata.Training.Quickstart;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Quickstart;

/// <summary>
/// The tool-use scoring with scripted models: a model that writes the right call and copies the result scores
/// everything in every mode (its tokens pass the constraints); a wrong final answer, a wrong tool or arguments the
/// tool refuses are each caught where they happen.
/// </summary>
public sealed class ToolUseEvaluatorTests
{
    private static readonly StrataTokenizer Tokenizer = BundledTokenizer.Load();
    private static readonly ChatFormat Format = new(Tokenizer);
    private static readonly IReadOnlyList<VerifiableExample> Tasks = QuickstartTools.Examples(12, seed: 4);

    private static int[] Encode(string text) => [.. Tokenizer.Encode(text, addBos: false, parseSpecialTokens: false)];

    /// <summary>Scripts: the call, then the answer (Strata's format has no prefill: the model writes the opening in every mode).</summary>
    private static ScriptedModel Model(Func<VerifiableExample, string> call, Func<VerifiableExample, string> answer)
    {
        const string prefill = "";
        var scripts = new Dictionary<string, int[]>();
        foreach (var example in Tasks)
        {
            var messages = example.Conversation.Messages;
            string written = call(example);
            scripts[ChatFormat.RenderText(messages.Take(2).ToList(), addGenerationPrompt: true) + prefill] = [.. Encode(written[prefill.Length..]), Format.ImEndId];
            var parsed = ToolCallSyntax.Hermes.Parse(written, QuickstartTools.Functions).Calls.FirstOrDefault();
            if (parsed is null) continue;
            var (ok, result) = QuickstartTools.Execute(parsed.Name, parsed.Arguments);
            var next = messages.Take(2).Append(new ChatMessage(ChatRole.Assistant,
                StrataToolFormat.Call(parsed.Name, System.Text.Json.Nodes.JsonNode.Parse(ok ? parsed.Arguments : "{}")))).Append(new ChatMessage(ChatRole.Tool, result)).ToList();
            scripts[ChatFormat.RenderText(next, addGenerationPrompt: true)] = [.. Encode(answer(example)), Format.ImEndId];
        }
        return new ScriptedModel(Tokenizer, scripts);
    }

    private static string RightCall(VerifiableExample example) => example.Conversation.Messages[2].Content;

    [Theory]
    [InlineData(ToolChoiceMode.None)]
    [InlineData(ToolChoiceMode.Auto)]
    [InlineData(ToolChoiceMode.Required)]
    public void TheRightCallAndAnswerScoreInEveryMode(ToolChoiceMode mode)
    {
        var choice = new ToolChoice(mode);
        var result = ToolUseEvaluator.Evaluate(Model(RightCall, e => e.ExpectedFinalAnswer), Tokenizer, Tasks, choice);
        Assert.Equal((12, 12, 12, 12, 12, 12), (result.Total, result.RightTool, result.ValidArguments, result.RightArguments, result.CopiedResult, result.RightAnswer));
    }

    [Fact]
    public void AWrongAnswerAWrongToolAndRefusedArgumentsAreCounted()
    {
        var wrongAnswer = ToolUseEvaluator.Evaluate(Model(RightCall, _ => "no idea"), Tokenizer, Tasks, ToolChoice.None);
        Assert.Equal((12, 12, 12, 0, 0), (wrongAnswer.RightTool, wrongAnswer.ValidArguments, wrongAnswer.RightArguments, wrongAnswer.CopiedResult, wrongAnswer.RightAnswer));

        // Every task answered with a call to lookup: right only for the lookup tasks.
        var lookups = Tasks.Count(e => e.Kind == "tool-lookup");
        var wrongTool = ToolUseEvaluator.Evaluate(Model(_ => StrataToolFormat.Call("lookup", System.Text.Json.Nodes.JsonNode.Parse("""{"name": "hamlet"}""")), _ => "Hamlet"),
            Tokenizer, Tasks, ToolChoice.None);
        Assert.Equal(lookups, wrongTool.RightTool);
        // Hamlet's lookup, answered with its result: copied every time it ran, right only where the question was about hamlet.
        Assert.Equal(lookups, wrongTool.CopiedResult);
        int aboutHamlet = Tasks.Count(e => e.Kind == "tool-lookup" && e.ExpectedFinalAnswer == "Hamlet" && e.Conversation.Messages[1].Content.StartsWith("hamlet", StringComparison.Ordinal));
        Assert.Equal(aboutHamlet, wrongTool.RightArguments);

        // Arguments the tool refuses (out of range): the right tool, but not valid, and no right answer.
        var adds = Tasks.Where(e => e.Kind == "tool-add").ToList();
        var refused = ToolUseEvaluator.Evaluate(Model(_ => StrataToolFormat.Call("add", System.Text.Json.Nodes.JsonNode.Parse("""{"a": 1000, "b": 1}""")), _ => "1001"),
            Tokenizer, adds, ToolChoice.None);
        Assert.Equal((adds.Count, adds.Count, 0, 0, 0, 0), (refused.Total, refused.RightTool, refused.ValidArguments, refused.RightArguments, refused.CopiedResult, refused.RightAnswer));
    }
}
