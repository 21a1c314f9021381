using Strata.Models.Configuration;
using Strata.Models.Generation;
using Strata.Models.Llama;
using Strata.Models.Tokenization;
using Strata.Training.Quickstart;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Quickstart;

public sealed class ExactMatchEvaluatorTests
{
    private static readonly StrataTokenizer Tokenizer = BundledTokenizer.Load();
    private static readonly ChatFormat Format = new(Tokenizer);

    private static readonly IReadOnlyList<VerifiableExample> Mixed =
        [.. SyntheticTasks.Command(24, seed: 5), .. SyntheticTasks.Dialogue(24, seed: 6)];

    [Fact]
    public void OracleScoresEverything()
    {
        var result = ExactMatchEvaluator.Evaluate(Mixed, history =>
        {
            // The generator must see the conversation without its final answer, ending on the user's turn.
            Assert.Equal(ChatRole.User, history[^1].Role);
            return TaskOracle.Reply(history) ?? "<oracle has no answer>";
        });

        Assert.Equal((Mixed.Count, Mixed.Count, 1.0), (result.Correct, result.Total, result.Accuracy));
        Assert.Equal(Mixed.Select(e => e.ExpectedFinalAnswer), result.Samples.Select(s => s.Expected));
        Assert.Equal(Mixed.Select(e => e.ExpectedFinalAnswer), result.Samples.Select(s => s.Actual));
        var first = Mixed[0].Conversation.Messages;
        Assert.Equal($"user: {first[0].Content}", result.Samples[0].Prompt);
    }

    [Fact]
    public void MatchIsExactAfterTrimming()
    {
        var examples = SyntheticTasks.Command(8, seed: 1);
        var variants = new Func<string, string>[]
        {
            a => $"  {a}\t\n",           // surrounding whitespace is forgiven
            a => a,
            a => a + " extra",          // a longer answer is wrong
            a => char.IsLetter(a[0]) ? FlipCase(a[0]) + a[1..] : a + "0",   // case matters
            a => "",
            a => a.Replace(" ", "  ", StringComparison.Ordinal) + (a.Contains(' ') ? "" : "."),   // inner text must match
            a => a,
            a => a + ".",
        };
        int call = 0;
        var result = ExactMatchEvaluator.Evaluate(examples, history =>
            variants[call++](TaskOracle.Reply(history)!));

        Assert.Equal(3, result.Correct);
        Assert.Equal(8, result.Total);
        Assert.Equal(3 / 8.0, result.Accuracy);
        Assert.Equal(examples[0].ExpectedFinalAnswer, result.Samples[0].Actual);
    }

    [Fact]
    public void EmptyAndMalformedInputs()
    {
        var empty = ExactMatchEvaluator.Evaluate([], _ => "x");
        Assert.Equal((0, 0, 0.0), (empty.Correct, empty.Total, empty.Accuracy));
        var noAnswer = new VerifiableExample(new Conversation([new(ChatRole.User, "Repeat the word: crown")]), "crown");
        Assert.Throws<ArgumentException>(() => ExactMatchEvaluator.Evaluate([noAnswer], _ => "crown"));
    }

    [Theory]
    [InlineData("<|im_end|>", true)]     // the turn end stops generation
    [InlineData("<|im_start|>", true)]   // so does a new turn the model opens without closing its own
    [InlineData("<|endoftext|>", true)]
    [InlineData("\n", true)]             // answers are one line
    [InlineData(" and more", false)]     // no stop: the junk is part of the answer
    public void ScriptedModelStopsAtTheEndOfTheTurn(string after, bool correct)
    {
        var model = new ScriptedModel(Tokenizer, Mixed.ToDictionary(
            e => ChatFormat.RenderText(ExactMatchEvaluator.PromptOf(e), addGenerationPrompt: true),
            e => Encode(e.ExpectedFinalAnswer).Concat(Encode(after)).Concat(Encode(" junk")).ToArray()));

        var result = ExactMatchEvaluator.Evaluate(model, Tokenizer, Mixed, maxNewTokens: 24);

        Assert.Equal(Mixed.Count, result.Total);
        Assert.Equal(correct ? Mixed.Count : 0, result.Correct);
        Assert.Equal(Mixed.Count, model.PromptsSeen);
    }

    [Fact]
    public void MaxNewTokensCutsTheAnswer()
    {
        var twice = SyntheticTasks.Command(16, seed: 2).Where(e => e.ExpectedFinalAnswer.Contains(' ')).ToList();
        Assert.NotEmpty(twice);
        var model = new ScriptedModel(Tokenizer, twice.ToDictionary(
            e => ChatFormat.RenderText(ExactMatchEvaluator.PromptOf(e), addGenerationPrompt: true),
            e => Encode(e.ExpectedFinalAnswer).Append(Format.ImEndId).ToArray()));
        Assert.Equal(0, ExactMatchEvaluator.Evaluate(model, Tokenizer, twice, maxNewTokens: 1).Correct);
        Assert.Equal(twice.Count, ExactMatchEvaluator.Evaluate(model, Tokenizer, twice, maxNewTokens: 16).Correct);
    }

    [Fact]
    public void RandomTinyModelRunsEndToEnd()
    {
        var config = ModelPresets.Tiny(Tokenizer.VocabularySize) with { MaxPositionEmbeddings = 128 };
        using var model = LlamaCheckpoint.Create(config, seed: 1);
        model.train();
        var examples = Mixed.Take(3).Concat(Mixed.TakeLast(3)).ToList();

        var result = ExactMatchEvaluator.Evaluate(model, Tokenizer, examples, maxNewTokens: 4);

        Assert.Equal(examples.Count, result.Total);
        Assert.Equal(examples.Count, result.Samples.Count);
        Assert.InRange(result.Accuracy, 0, 1);
        Assert.Equal((double)result.Correct / result.Total, result.Accuracy);
        Assert.True(model.training);   // the caller's training mode is restored
    }

    private static string FlipCase(char c) =>
        (char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)).ToString();

    private static int[] Encode(string text) =>
        [.. Tokenizer.Encode(text, addBos: false, parseSpecialTokens: true)];
}
