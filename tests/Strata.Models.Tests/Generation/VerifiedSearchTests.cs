using System.Text.Json;
using Strata.Models.Configuration;
using Strata.Models.Generation;
using Strata.Models.Generation.Verification;
using Strata.Models.Inference;
using Strata.Models.Native;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Generation;

/// <summary>The built-in verifiers on hand-picked answers, and best-of-N search ranking verified answers first.</summary>
public class VerifiedSearchTests
{
    [Theory]
    [InlineData("json", "{\"a\": [1, 2]}", true)]
    [InlineData("json", "  42 ", true)]
    [InlineData("json", "{a: 1}", false)]
    [InlineData("json", "", false)]
    [InlineData(@"regex:\d+", " 123 ", true)]
    [InlineData(@"regex:\d+", "123a", false)]
    [InlineData("regex:yes|no", "yes", true)]
    [InlineData("regex:yes|no", "maybe yes", false)]
    [InlineData("exact:VENICE", "VENICE\n", true)]
    [InlineData("exact:VENICE", "Venice", false)]
    [InlineData("number:1234", "The answer is 1,234.", true)]
    [InlineData("number:-2.5", "x = -2.5", true)]
    [InlineData("number:12", "12 apples and 13 pears", false)]
    [InlineData("number:3", "three", false)]
    public void BuiltInVerifiersJudgeAnswers(string spec, string answer, bool accepted) =>
        Assert.Equal(accepted, AnswerVerifier.Parse(spec).Accepts(answer));

    [Theory]
    [InlineData("unit-tests", "unknown verifier 'unit-tests'")]
    [InlineData("regex:(", "invalid pattern")]
    [InlineData("number:many", "'many' is not a number")]
    public void BadVerifierSpecsAreRefusedByName(string spec, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => AnswerVerifier.Parse(spec)).Message);

    private sealed record Golden(int[] input_ids);

    [Fact]
    public async Task VerifiedAnswersRankFirstAndLogprobsAreTheModels()
    {
        string dir = Path.Combine(TestPaths.Golden, "models", "llama-gqa-untied");
        var prompt = JsonSerializer.Deserialize<Golden>(File.ReadAllText(Path.Combine(dir, "golden.json")))!.input_ids[..8];
        using var backend = NativeBackend.FromCheckpoint(ModelConfig.Load(dir), dir);
        var generator = new TextGenerator(new BackendLanguageModel(backend, []), ByteTokenizer.Instance);
        var options = new SamplingOptions { Temperature = 1.0, MaxTokens = 6, Seed = 40, StopAtEndOfSequence = false };

        // Which text does the third seed give? A verifier that accepts exactly it must rank it first.
        var third = await generator.GenerateAsync(prompt, options with { Seed = 42 });
        var verifier = AnswerVerifier.Parse("exact:" + third.Text.Trim());
        var ranked = await BestOfN.SearchAsync(generator, prompt, options, 5, verifier);
        Assert.Equal(5, ranked.Count);
        Assert.True(ranked[0].Verified);
        Assert.Equal(42, ranked[0].Seed);
        var rest = ranked.Where(c => !c.Verified).ToList();
        Assert.Equal(rest.OrderByDescending(c => c.MeanLogprob).Select(c => c.Seed), rest.Select(c => c.Seed));

        // Stopping at the first verified answer samples seeds 40, 41, 42 only.
        Assert.Equal(3, (await BestOfN.SearchAsync(generator, prompt, options, 5, verifier, stopAtFirstVerified: true)).Count);

        // The mean log-probability is the model's own: score prompt + answer in one pass and average the answer's tokens.
        var sampled = await generator.GenerateAsync(prompt, options with { Seed = 42 }, withLogprobs: true);
        double[] scored = backend.TokenLogProbs([.. prompt, .. sampled.TokenIds]);
        Assert.Equal(scored[(prompt.Length - 1)..].Average(), ranked[0].MeanLogprob, 4);
    }
}
