using Strata.Evaluation.Models;

namespace Strata.Evaluation.Tests.Tasks;

public class RollingWindowsTests
{
    [Fact]
    public void EveryTokenIsPredictedOnceWithAsMuchContextAsFits()
    {
        // lm-evaluation-harness's docstring example: tokens 0..9, max_seq_len 4, context_len 1, prefix -1.
        var windows = RollingWindows.Split(Enumerable.Range(0, 10).ToList(), -1, 4).ToList();
        Assert.Equal(3, windows.Count);
        Assert.Equal([-1], windows[0].Context);
        Assert.Equal([0, 1, 2, 3], windows[0].Predicted);
        Assert.Equal([3], windows[1].Context);
        Assert.Equal([4, 5, 6, 7], windows[1].Predicted);
        Assert.Equal([5, 6, 7], windows[2].Context);
        Assert.Equal([8, 9], windows[2].Predicted);
        foreach (var (context, predicted) in windows) Assert.True(context.Count + predicted.Count - 1 <= 4);
    }

    [Fact]
    public void ShortTextsAreOneWindow()
    {
        var windows = RollingWindows.Split([7, 8], 1, 16).ToList();
        Assert.Single(windows);
        Assert.Equal([1], windows[0].Context);
        Assert.Equal([7, 8], windows[0].Predicted);
        Assert.Empty(RollingWindows.Split([], 1, 16));
    }
}
