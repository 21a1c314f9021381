namespace Strata.Data.Audit;

/// <summary>Robust z-scores of log lengths: the median and the median absolute deviation are not dragged by the
/// very outliers they are meant to find, unlike a mean and standard deviation.</summary>
internal static class LengthOutliers
{
    /// <summary>Modified z-score (0.6745·(x − median)/MAD) of log(1 + length) per item; null where not judged
    /// (too few items, or no spread at all).</summary>
    public static double?[] Scores(IReadOnlyList<int> lengths, int minimum)
    {
        var scores = new double?[lengths.Count];
        if (lengths.Count < minimum) return scores;
        double[] logs = lengths.Select(l => Math.Log(1 + l)).ToArray();
        double median = Median(logs);
        double mad = Median(logs.Select(x => Math.Abs(x - median)).ToArray());
        if (mad == 0) return scores;
        for (int i = 0; i < logs.Length; i++) scores[i] = 0.6745 * (logs[i] - median) / mad;
        return scores;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
