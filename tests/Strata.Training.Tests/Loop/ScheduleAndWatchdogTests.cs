using Strata.Training.Loop;

namespace Strata.Training.Tests.Loop;

public class ScheduleAndWatchdogTests
{
    private static readonly TrainingOptions Options = new() { LearningRate = 1e-3, MinLearningRate = 1e-4, WarmupSteps = 10, MaxSteps = 110 };

    [Fact]
    public void WarmupIsLinearThenCosineReachesTheMinimum()
    {
        Assert.Equal(1e-3 * 1 / 11, LearningRateSchedule.At(0, Options), 12);
        Assert.Equal(1e-3 * 10 / 11, LearningRateSchedule.At(9, Options), 12);
        Assert.Equal(1e-3, LearningRateSchedule.At(10, Options), 12);
        Assert.Equal(1e-4 + 0.5 * 9e-4, LearningRateSchedule.At(60, Options), 12); // half-way: cos(π/2) = 0
        Assert.Equal(1e-4, LearningRateSchedule.At(110, Options), 12);
    }

    [Fact]
    public void WatchdogJudgesNonFiniteAndSpikes()
    {
        var watchdog = new LossWatchdog(new TrainingOptions { SpikeWindow = 10, SpikeZScore = 6, MaxConsecutiveSpikes = 3 });
        for (int i = 0; i < 10; i++) Assert.Equal(WatchdogVerdict.Accept, watchdog.Judge(2.0 + 0.01 * (i % 3), 1.0).Verdict);
        Assert.Equal(WatchdogVerdict.Skip, watchdog.Judge(double.NaN, 1.0).Verdict);
        Assert.Equal(WatchdogVerdict.Skip, watchdog.Judge(2.0, double.PositiveInfinity).Verdict);
        var (verdict, reason) = watchdog.Judge(9.0, 1.0);
        Assert.Equal(WatchdogVerdict.RollBack, verdict);
        Assert.Contains("spike", reason);
        Assert.Equal(WatchdogVerdict.Accept, watchdog.Judge(2.02, 1.0).Verdict); // ordinary noise is fine
    }
}

public class BatchTokensTests
{
    [Theory]
    [InlineData(null, 3, 3)]
    [InlineData(64, 1, 1)]
    [InlineData(200, 1, 4)]   // ⌈200 / (4 · 16)⌉
    [InlineData(4096, 7, 64)]
    public void BatchTokensSetTheAccumulation(int? batchTokens, int accumulation, int expected)
    {
        var options = new TrainingOptions { BatchSize = 4, ContextLength = 16, GradientAccumulation = accumulation, BatchTokens = batchTokens };
        Assert.Equal(expected, options.Resolved().GradientAccumulation);
    }
}
