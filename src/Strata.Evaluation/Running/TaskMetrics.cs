using Strata.Evaluation.Metrics;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Running;

/// <summary>Aggregates per-item scores into a task's metrics, as the harness aggregates them.</summary>
public static class TaskMetrics
{
    public static IReadOnlyDictionary<string, MetricValue> Aggregate(TaskConfig config, IReadOnlyList<ItemResult> items)
    {
        var names = config.Metrics.Count > 0 ? config.Metrics.Select(m => m.Name).ToList() : MetricNames.For(config.OutputType);
        var result = new Dictionary<string, MetricValue>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            result[name] = name switch
            {
                MetricNames.WordPerplexity => Aggregation.Ratio(Units(items, "words"), Aggregation.Perplexity),
                MetricNames.BytePerplexity => Aggregation.Ratio(Units(items, "bytes"), Aggregation.Perplexity),
                MetricNames.BitsPerByte => Aggregation.Ratio(Units(items, "bytes"), Aggregation.BitsPerByte),
                // The harness's loglikelihood perplexity: exp(−mean log-likelihood) over items.
                MetricNames.Perplexity => Aggregation.Ratio(items.Select(i => (i.Scores["loglikelihood"], 1.0)).ToList(), Aggregation.Perplexity),
                _ => Aggregation.Mean(items.Select(i => i.Scores[name]).ToList()),
            };
        }
        return result;
    }

    private static List<(double, double)> Units(IReadOnlyList<ItemResult> items, string unit) =>
        items.Select(i => (i.Scores["loglikelihood"], i.Scores[unit])).ToList();
}
