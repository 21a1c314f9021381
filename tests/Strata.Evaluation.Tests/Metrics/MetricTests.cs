using Strata.Evaluation.Metrics;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Tests.Metrics;

public class MetricTests
{
    [Fact]
    public void McNemarMatchesTheBinomialTailByHand()
    {
        // b = 10, c = 2: p = 2 · Σ_{k≤2} C(12, k) / 2^12 = 2 · (1 + 12 + 66) / 4096.
        Assert.Equal(2.0 * 79 / 4096, PairedComparison.McNemarExact(10, 2), 12);
        Assert.Equal(1.0, PairedComparison.McNemarExact(5, 5));
        Assert.Equal(1.0, PairedComparison.McNemarExact(0, 0));
        Assert.InRange(PairedComparison.McNemarExact(3000, 2900), 0.19, 0.22);   // large n without underflow
    }

    [Fact]
    public void PairedComparisonCountsDiscordantItemsAndBracketsTheDifference()
    {
        double[] a = [1, 1, 1, 1, 0, 1, 1, 1, 0, 1];
        double[] b = [0, 1, 0, 1, 0, 0, 1, 0, 0, 1];
        var result = PairedComparison.Compare(a, b);
        Assert.Equal(0.4, result.Difference, 12);
        Assert.Equal(4, result.OnlyA);
        Assert.Equal(0, result.OnlyB);
        Assert.Equal(2.0 / 16, result.McNemarP!.Value, 12);
        Assert.True(result.Low <= 0.4 && 0.4 <= result.High);
        Assert.True(result.Low > 0);   // every discordant item favours A
    }

    [Fact]
    public void MeanStderrIsTheSampleStandardError()
    {
        var value = Aggregation.Mean([1, 0, 1, 1]);
        Assert.Equal(0.75, value.Value);
        Assert.Equal(Math.Sqrt(0.25 / 4), value.Stderr, 12);   // s² = 0.25 with n − 1
    }

    [Theory]
    [InlineData("The answer is 42.", "42", false, false, 0)]
    [InlineData("42", "42", false, false, 1)]
    [InlineData("Paris", "paris", true, false, 1)]
    [InlineData("paris!", "Paris", true, true, 1)]
    public void ExactMatchFollowsTheHarnessOptions(string prediction, string reference, bool ignoreCase, bool ignorePunctuation, double expected)
    {
        Assert.Equal(expected, ExactMatch.Score(prediction, [reference], new MetricSpec("exact_match", ignoreCase, ignorePunctuation)));
    }

    [Fact]
    public void RegexFilterTakesTheSelectedMatchOrFallsBack()
    {
        var pipeline = new[] { new FilterStep(FilterFunction.Regex, @"#### (\-?[0-9\.\,]+)"), new FilterStep(FilterFunction.TakeFirst) };
        Assert.Equal("72", TextFilters.Apply("so 48 + 24\n#### 72", pipeline));
        Assert.Equal("[invalid]", TextFilters.Apply("no answer", pipeline));
        var last = new[] { new FilterStep(FilterFunction.Regex, @"\d+", GroupSelect: -1) };
        Assert.Equal("3", TextFilters.Apply("1 then 2 then 3", last));
    }
}
