namespace Strata.Evaluation.Metrics;

/// <summary>Quantiles as numpy and pandas compute them by default (linear interpolation between order statistics).</summary>
public static class Quantiles
{
    /// <summary>
    /// The <paramref name="q"/> quantile of the non-NaN values (LMSYS's notebook uses this convention for the arena's
    /// intervals; the paired bootstrap and the benchmarks use it too); NaN when every value is NaN.
    /// </summary>
    public static double Of(IEnumerable<double> values, double q)
    {
        double[] sorted = [.. values.Where(v => !double.IsNaN(v)).Order()];
        if (sorted.Length == 0) return double.NaN;
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
