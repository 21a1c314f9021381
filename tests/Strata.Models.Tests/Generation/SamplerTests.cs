using Strata.Models.Generation;

namespace Strata.Models.Tests.Generation;

public class SamplerTests
{
    // log of probabilities 0.5, 0.3, 0.15, 0.05: softmax of these logits gives them back.
    private static float[] Logits() => [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f)];

    private static Dictionary<int, int> Histogram(SamplingOptions options, int draws = 4000)
    {
        var sampler = new Sampler(options with { Seed = 1234 });
        var counts = new Dictionary<int, int>();
        for (int i = 0; i < draws; i++)
        {
            int id = sampler.Sample(Logits(), []);
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }
        return counts;
    }

    [Fact]
    public void GreedyPicksTheArgMax() =>
        Assert.Equal(2, new Sampler(SamplingOptions.Greedy).Sample([0.1f, -3f, 7.5f, 7.4f], []));

    [Fact]
    public void PlainSamplingFollowsTheDistribution()
    {
        var counts = Histogram(new SamplingOptions());
        Assert.InRange(counts[0] / 4000.0, 0.46, 0.54);
        Assert.InRange(counts[1] / 4000.0, 0.26, 0.34);
        Assert.InRange(counts[3] / 4000.0, 0.03, 0.07);
    }

    [Fact]
    public void TopKKeepsOnlyTheKMostLikely() =>
        Assert.Equal([0, 1], Histogram(new SamplingOptions { TopK = 2 }).Keys.Order());

    [Fact]
    public void TopPKeepsTheSmallestSetReachingP()
    {
        // 0.5 < 0.7 ≤ 0.5 + 0.3: the nucleus is tokens 0 and 1.
        Assert.Equal([0, 1], Histogram(new SamplingOptions { TopP = 0.7 }).Keys.Order());
        Assert.Equal([0, 1, 2], Histogram(new SamplingOptions { TopP = 0.81 }).Keys.Order());
    }

    [Fact]
    public void MinPDropsTokensBelowAFractionOfTheTop()
    {
        // threshold 0.4 × 0.5 = 0.2: tokens with 0.15 and 0.05 go.
        Assert.Equal([0, 1], Histogram(new SamplingOptions { MinP = 0.4 }).Keys.Order());
    }

    [Fact]
    public void LowTemperatureSharpensTheDistribution()
    {
        var counts = Histogram(new SamplingOptions { Temperature = 0.25 });
        // p ∝ p^4: 0.0625 / (0.0625 + 0.0081 + 0.0005 + 0.00000625) ≈ 0.88
        Assert.InRange(counts[0] / 4000.0, 0.85, 0.91);
    }

    [Fact]
    public void SameSeedGivesTheSameDraws()
    {
        var a = new Sampler(new SamplingOptions { Seed = 7 });
        var b = new Sampler(new SamplingOptions { Seed = 7 });
        var drawsA = Enumerable.Range(0, 50).Select(_ => a.Sample(Logits(), [])).ToArray();
        var drawsB = Enumerable.Range(0, 50).Select(_ => b.Sample(Logits(), [])).ToArray();
        Assert.Equal(drawsA, drawsB);
        Assert.True(drawsA.Distinct().Count() > 1);
    }

    [Fact]
    public void RepetitionPenaltyUsesHuggingFaceSemantics()
    {
        float[] logits = [2f, -2f, 1f];
        Sampler.ApplyRepetitionPenalty(logits, [0, 1, 1], 2.0);
        // Positive seen logits are divided, negative ones multiplied, unseen untouched.
        Assert.Equal([1f, -4f, 1f], logits);
    }

    [Theory]
    [InlineData(-0.1, 0, 1.0, 0.0, 1.0)]
    [InlineData(1.0, -1, 1.0, 0.0, 1.0)]
    [InlineData(1.0, 0, 0.0, 0.0, 1.0)]
    [InlineData(1.0, 0, 1.5, 0.0, 1.0)]
    [InlineData(1.0, 0, 1.0, 1.5, 1.0)]
    [InlineData(1.0, 0, 1.0, 0.0, 0.0)]
    public void OutOfRangeOptionsAreRejected(double temperature, int topK, double topP, double minP, double penalty)
    {
        var options = new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP, MinP = minP, RepetitionPenalty = penalty };
        Assert.Throws<ArgumentException>(() => new Sampler(options));
    }
}
