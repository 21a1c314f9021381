namespace Strata.Evaluation.Metrics;

/// <summary>Model A against model B on the same items of one task and metric.</summary>
/// <param name="Difference">A's value − B's.</param>
/// <param name="Low">2.5th percentile of the paired-bootstrap difference.</param>
/// <param name="High">97.5th percentile.</param>
/// <param name="McNemarP">Exact two-sided McNemar p-value for 0/1 metrics (null for others).</param>
/// <param name="OnlyA">Items A got right and B wrong (0/1 metrics).</param>
/// <param name="OnlyB">Items B got right and A wrong.</param>
public sealed record PairedResult(double Difference, double Low, double High, double? McNemarP, int OnlyA, int OnlyB);

/// <summary>
/// Item-by-item comparison of two models: a paired bootstrap over items (the same resampled items for both, so the
/// items' difficulty cancels) for any metric, and McNemar's exact test for right/wrong metrics.
/// </summary>
public static class PairedComparison
{
    /// <param name="a">Per-item values of model A.</param>
    /// <param name="b">Per-item values of model B, same items in the same order.</param>
    /// <param name="aggregate">How a set of items becomes the metric (mean, or a ratio of sums); it receives item indexes.</param>
    public static PairedResult Compare(IReadOnlyList<double> a, IReadOnlyList<double> b, Func<IReadOnlyList<double>, IReadOnlyList<int>, double>? aggregate = null,
        int rounds = 1000, int seed = 1234)
    {
        if (a.Count != b.Count) throw new ArgumentException($"paired items differ: {a.Count} against {b.Count}");
        if (a.Count == 0) throw new ArgumentException("no items to compare");
        aggregate ??= MeanOf;
        var all = Enumerable.Range(0, a.Count).ToArray();
        double difference = aggregate(a, all) - aggregate(b, all);
        var random = new Random(seed);
        var differences = new double[rounds];
        var sample = new int[a.Count];
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < sample.Length; i++) sample[i] = random.Next(a.Count);
            differences[r] = aggregate(a, sample) - aggregate(b, sample);
        }
        bool binary = a.Concat(b).All(v => v is 0 or 1);
        int onlyA = 0, onlyB = 0;
        if (binary)
        {
            for (int i = 0; i < a.Count; i++)
            {
                if (a[i] == 1 && b[i] == 0) onlyA++;
                if (a[i] == 0 && b[i] == 1) onlyB++;
            }
        }
        return new PairedResult(difference, Quantiles.Of(differences, 0.025), Quantiles.Of(differences, 0.975),
            binary ? McNemarExact(onlyA, onlyB) : null, onlyA, onlyB);
    }

    /// <summary>Two-sided exact McNemar: P(X ≤ min(b, c)) × 2 for X ~ Binomial(b + c, ½), capped at 1.</summary>
    public static double McNemarExact(int onlyA, int onlyB)
    {
        int n = onlyA + onlyB;
        if (n == 0) return 1;
        int k = Math.Min(onlyA, onlyB);
        // Sum in log space: C(n, i) / 2^n underflows for a few thousand discordant items.
        double tail = 0;
        for (int i = 0; i <= k; i++) tail += Math.Exp(LogChoose(n, i) - n * Math.Log(2));
        return Math.Min(1, 2 * tail);
    }

    private static double LogChoose(int n, int k)
    {
        double sum = 0;
        for (int i = 1; i <= k; i++) sum += Math.Log(n - k + i) - Math.Log(i);
        return sum;
    }

    private static double MeanOf(IReadOnlyList<double> values, IReadOnlyList<int> items)
    {
        double sum = 0;
        foreach (int i in items) sum += values[i];
        return sum / items.Count;
    }
}
