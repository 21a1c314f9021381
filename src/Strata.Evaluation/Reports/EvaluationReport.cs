using Strata.Evaluation.Metrics;
using Strata.Evaluation.Running;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Reports;

/// <summary>One comparison row: model against the first model on one task and metric.</summary>
public sealed record ModelComparison(string Task, string Metric, string Model, string Baseline, PairedResult Result);

/// <summary>Everything one <c>strata eval</c> run measured: every model on every task, the contamination check, and
/// each model compared item by item with the first.</summary>
public sealed record EvaluationReport(
    IReadOnlyList<TaskResult> Results,
    ContaminationReport? Contamination,
    IReadOnlyList<ModelComparison> Comparisons,
    DateTimeOffset Created)
{
    /// <summary>Builds the report, comparing each later model with the first on every per-item (0/1 or mean) metric.</summary>
    public static EvaluationReport Build(IReadOnlyList<TaskResult> results, ContaminationReport? contamination, DateTimeOffset created)
    {
        var comparisons = new List<ModelComparison>();
        foreach (var task in results.GroupBy(r => r.Task))
        {
            var runs = task.ToList();
            var baseline = runs[0];
            if (baseline.OutputType == OutputType.LoglikelihoodRolling) continue;   // corpus ratios, not per-item means
            foreach (var other in runs.Skip(1))
            {
                foreach (string metric in baseline.Metrics.Keys)
                {
                    // Corpus-level metrics (perplexity over a task's items) have no per-item value to pair.
                    if (!baseline.Items.All(i => i.Scores.ContainsKey(metric))) continue;
                    var a = other.Items.Select(i => i.Scores[metric]).ToList();
                    var b = baseline.Items.Select(i => i.Scores[metric]).ToList();
                    if (a.Count == 0 || a.Count != b.Count) continue;
                    comparisons.Add(new ModelComparison(task.Key, metric, other.Model, baseline.Model, PairedComparison.Compare(a, b)));
                }
            }
        }
        return new EvaluationReport(results, contamination, comparisons, created);
    }
}
