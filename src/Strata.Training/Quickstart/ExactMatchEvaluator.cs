using Strata.Models.Generation;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Tokenization;
using Strata.Training.Tuning;

namespace Strata.Training.Quickstart;

/// <summary>How many final answers a model got exactly right.</summary>
/// <param name="Accuracy">Correct / Total; 0 when there were no examples.</param>
/// <param name="Samples">Every example in order: the prompt turns as "role: content" lines, the expected answer and
/// the trimmed reply.</param>
public sealed record ExactMatchResult(int Correct, int Total, double Accuracy,
    IReadOnlyList<(string Prompt, string Expected, string Actual)> Samples);

/// <summary>
/// Exact-match accuracy of a chat model on <see cref="VerifiableExample"/>s: each conversation minus its final
/// assistant answer is rendered with <see cref="ChatFormat.RenderPrompt"/>, the model continues greedily, and the
/// reply counts when, trimmed, it equals the expected answer ordinally (case matters: "upper" tasks depend on it).
/// </summary>
public static class ExactMatchEvaluator
{
    /// <exception cref="ArgumentException">An example does not end with an assistant answer, or a prompt is longer
    /// than the model's context.</exception>
    public static ExactMatchResult Evaluate(LlamaForCausalLM model, StrataTokenizer tokenizer,
        IReadOnlyList<VerifiableExample> examples, int maxNewTokens = 16)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            return Evaluate(TorchBackend.LanguageModel(model), tokenizer, examples, maxNewTokens);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>The same over any <see cref="ILanguageModel"/>, so tests can script a model's tokens.</summary>
    internal static ExactMatchResult Evaluate(ILanguageModel model, StrataTokenizer tokenizer,
        IReadOnlyList<VerifiableExample> examples, int maxNewTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        var format = new ChatFormat(tokenizer);
        var generator = new TextGenerator(new StopAtTurnEnd(model, TurnEnds(model, tokenizer, format)), tokenizer);
        // Answers are one line by construction, so the first line is the answer. Stopping there also gives an untuned
        // base model (which never learned <|im_end|>) its fairest chance, so a gain of the tuned model over it is
        // not merely "learned to stop".
        var options = SamplingOptions.Greedy with { MaxTokens = maxNewTokens, StopSequences = ["\n"] };
        return Evaluate(examples, history =>
        {
            int[] prompt = format.RenderPrompt(history);
            // Off the caller's synchronization context: the generator awaits Task.Yield between tokens, and blocking
            // on it from a single-threaded context (a UI, some test runners) would deadlock.
            return Task.Run(() => generator.GenerateAsync(prompt, options)).GetAwaiter().GetResult().Text;
        });
    }

    /// <summary>The scoring without a model: <paramref name="generate"/> answers a prompt history (which ends with a
    /// user turn). Kept separate so the matching rules can be tested against an oracle.</summary>
    internal static ExactMatchResult Evaluate(IReadOnlyList<VerifiableExample> examples,
        Func<IReadOnlyList<ChatMessage>, string> generate)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(generate);
        var samples = new List<(string Prompt, string Expected, string Actual)>(examples.Count);
        int correct = 0;
        foreach (var example in examples)
        {
            var history = PromptOf(example);
            string actual = (generate(history) ?? "").Trim();
            if (string.Equals(actual, example.ExpectedFinalAnswer, StringComparison.Ordinal)) correct++;
            samples.Add((string.Join('\n', history.Select(m => $"{ConversationRules.Name(m.Role)}: {m.Content}")),
                example.ExpectedFinalAnswer, actual));
        }
        return new ExactMatchResult(correct, examples.Count, examples.Count == 0 ? 0 : (double)correct / examples.Count, samples);
    }

    /// <summary>All turns but the final assistant answer.</summary>
    internal static IReadOnlyList<ChatMessage> PromptOf(VerifiableExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var messages = example.Conversation.Messages;
        if (messages.Count < 2 || messages[^1].Role != ChatRole.Assistant)
            throw new ArgumentException("an example must end with the assistant's final answer", nameof(example));
        return [.. messages.Take(messages.Count - 1)];
    }

    // Special tokens are dropped from the decoded text (the generator decodes with skipSpecialTokens), so a stop
    // sequence could never see them: they must end generation as token ids instead. <|im_end|> closes the answer;
    // <|im_start|> or <|endoftext|> mean a model has run past the turn without closing it.
    internal static int[] TurnEnds(ILanguageModel model, StrataTokenizer tokenizer, ChatFormat format)
    {
        var ids = new HashSet<int>(model.EndOfSequenceTokenIds) { format.ImEndId, format.ImStartId };
        if (tokenizer.SpecialTokens.TryGetValue(BundledTokenizer.EndOfText, out int endOfText)) ids.Add(endOfText);
        return [.. ids];
    }

    /// <summary>The model with a different set of end-of-sequence ids.</summary>
    internal sealed class StopAtTurnEnd(ILanguageModel inner, IReadOnlyList<int> endIds) : ILanguageModel
    {
        public int VocabularySize => inner.VocabularySize;

        public IReadOnlyList<int> EndOfSequenceTokenIds => endIds;

        public ILanguageModelSession OpenSession() => inner.OpenSession();
    }
}
