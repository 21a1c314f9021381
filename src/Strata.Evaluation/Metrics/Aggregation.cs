namespace Strata.Evaluation.Metrics;

/// <summary>The harness's aggregations: mean (with its standard error) and the corpus-level ratios of rolling tasks.</summary>
public static class Aggregation
{
    /// <summary>Mean and sample standard error (√(s²/n), s² with n−1), as the harness's <c>mean_stderr</c>.</summary>
    public static MetricValue Mean(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return new MetricValue(double.NaN, double.NaN, 0);
        double mean = values.Average();
        double stderr = n < 2 ? double.NaN : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1) / n);
        return new MetricValue(mean, stderr, n);
    }

    /// <summary>
    /// A ratio of sums over documents — f(Σ loglikelihood, Σ units) — with a bootstrap standard error over documents
    /// (1,000 resamples, fixed seed), as the harness bootstraps non-mean aggregations.
    /// </summary>
    public static MetricValue Ratio(IReadOnlyList<(double Loglikelihood, double Units)> documents, Func<double, double, double> f, int seed = 1234)
    {
        int n = documents.Count;
        if (n == 0) return new MetricValue(double.NaN, double.NaN, 0);
        double value = f(documents.Sum(d => d.Loglikelihood), documents.Sum(d => d.Units));
        if (n < 2) return new MetricValue(value, double.NaN, n);
        var random = new Random(seed);
        var samples = new double[1000];
        for (int b = 0; b < samples.Length; b++)
        {
            double ll = 0, units = 0;
            for (int i = 0; i < n; i++)
            {
                var d = documents[random.Next(n)];
                ll += d.Loglikelihood;
                units += d.Units;
            }
            samples[b] = f(ll, units);
        }
        double mean = samples.Average();
        return new MetricValue(value, Math.Sqrt(samples.Sum(s => (s - mean) * (s - mean)) / (samples.Length - 1)), n);
    }

    /// <summary>exp(−Σll / Σunits): word or byte perplexity.</summary>
    public static double Perplexity(double loglikelihood, double units) => Math.Exp(-loglikelihood / units);

    /// <summary>−Σll / Σbytes / ln 2.</summary>
    public static double BitsPerByte(double loglikelihood, double bytes) => -loglikelihood / bytes / Math.Log(2);
}
