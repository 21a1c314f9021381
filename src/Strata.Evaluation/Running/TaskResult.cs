using Strata.Evaluation.Metrics;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Running;

/// <summary>A model's result on one task: metrics on every item and, when training data was checked, on the clean items.</summary>
/// <param name="Clean">Metrics over the items no training document overlaps; null when no training data was given.</param>
/// <param name="Contaminated">Items that overlap training data (0 when unchecked).</param>
public sealed record TaskResult(
    string Task,
    string Model,
    OutputType OutputType,
    IReadOnlyList<ItemResult> Items,
    IReadOnlyDictionary<string, MetricValue> Metrics,
    IReadOnlyDictionary<string, MetricValue>? Clean,
    int Contaminated);
