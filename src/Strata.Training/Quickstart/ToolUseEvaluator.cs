using Strata.Models.Generation;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Templates;
using Strata.Models.Tokenization;
using Strata.Models.Tools;
using Strata.Training.Tuning;

namespace Strata.Training.Quickstart;

/// <summary>How a model calls the quickstart's tools on held-out tasks, one decoding mode.</summary>
/// <param name="RightTool">The first call names the expected tool.</param>
/// <param name="ValidArguments">… and its arguments run (the tool accepts them).</param>
/// <param name="RightArguments">… and they are the expected ones (the question's numbers or name, copied).</param>
/// <param name="CopiedResult">After the tool's result on the model's own call, the final answer is that result.</param>
/// <param name="RightAnswer">… and it is the expected answer (which needs the right arguments too).</param>
public sealed record ToolUseResult(string Mode, int Total, int RightTool, int ValidArguments, int RightArguments, int CopiedResult, int RightAnswer,
    IReadOnlyList<(string Question, string Reply, string Answer)> Samples);

/// <summary>
/// Tool-call accuracy on held-out <see cref="QuickstartTools"/> tasks, end to end: the model sees the tools' system
/// turn and the question and writes a call (greedy); the call is parsed as the server parses it, run by the tool's
/// executor, its result given back as a tool turn, and the model's final answer compared with the expected one.
/// Three modes: <c>free</c> (no constraint), <c>auto</c> (a call, once opened, follows the tools' schemas, as the
/// server's <c>tool_choice: auto</c>), <c>required</c> (the reply must be a call, as <c>tool_choice: required</c>).
/// </summary>
public static class ToolUseEvaluator
{
    public static IReadOnlyList<ToolUseResult> Evaluate(LlamaForCausalLM model, StrataTokenizer tokenizer, IReadOnlyList<VerifiableExample> examples)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            var language = TorchBackend.LanguageModel(model);
            return [.. new[] { ToolChoice.None, ToolChoice.Auto, ToolChoice.Required }.Select(mode => Evaluate(language, tokenizer, examples, mode))];
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <param name="mode"><see cref="ToolChoice.None"/> stands for free decoding here (the tools are still shown).</param>
    internal static ToolUseResult Evaluate(ILanguageModel model, StrataTokenizer tokenizer, IReadOnlyList<VerifiableExample> examples, ToolChoice mode)
    {
        var format = new ChatFormat(tokenizer);
        var generator = new TextGenerator(new ExactMatchEvaluator.StopAtTurnEnd(model, ExactMatchEvaluator.TurnEnds(model, tokenizer, format)), tokenizer);
        var tools = new ToolUse(QuickstartTools.Functions, mode == ToolChoice.None ? ToolChoice.Auto : mode, parallel: false, ChatTemplate.ChatMlSource);
        int rightTool = 0, validArguments = 0, rightArguments = 0, copiedResult = 0, rightAnswer = 0;
        var samples = new List<(string, string, string)>();
        foreach (var example in examples)
        {
            var messages = example.Conversation.Messages;
            var history = messages.Take(2).ToList(); // the tools' system turn and the question
            var expected = tools.Syntax.Parse(messages[2].Content, QuickstartTools.Functions).Calls.Single();
            var prompt = tools.WithPrefill(format.RenderPrompt(history), tokenizer);
            var options = SamplingOptions.Greedy with { MaxTokens = 64, Constraint = mode == ToolChoice.None ? null : tools.Constraint };
            string reply = Generate(generator, prompt, options);
            var call = tools.Parse(reply).Calls.FirstOrDefault();
            string answer = "";
            if (call?.Name == expected.Name)
            {
                rightTool++;
                var (ok, result) = QuickstartTools.Execute(call.Name, call.Arguments);
                if (ok) validArguments++;
                if (ok && System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(call.Arguments), System.Text.Json.Nodes.JsonNode.Parse(expected.Arguments))) rightArguments++;
                // The conversation goes on as a client would continue it: the call as the template writes it, then its result.
                var next = new List<ChatMessage>(history)
                {
                    new(ChatRole.Assistant, StrataToolFormat.Call(call.Name, System.Text.Json.Nodes.JsonNode.Parse(ok ? call.Arguments : "{}"))),
                    new(ChatRole.Tool, result),
                };
                answer = Generate(generator, format.RenderPrompt(next), SamplingOptions.Greedy with { MaxTokens = 16, StopSequences = ["\n"] }).Trim();
                if (ok && answer == result) copiedResult++;
                if (answer == example.ExpectedFinalAnswer) rightAnswer++;
            }
            samples.Add((messages[1].Content, tools.Prefill + reply, answer));
        }
        return new ToolUseResult(mode == ToolChoice.None ? "free" : mode.Mode == ToolChoiceMode.Auto ? "auto" : "required",
            examples.Count, rightTool, validArguments, rightArguments, copiedResult, rightAnswer, samples);
    }

    // Off the caller's synchronization context, as ExactMatchEvaluator does.
    private static string Generate(TextGenerator generator, IReadOnlyList<int> prompt, SamplingOptions options) =>
        Task.Run(() => generator.GenerateAsync(prompt, options)).GetAwaiter().GetResult().Text;
}
