using Strata.Evaluation.Models;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Running;

/// <summary>Progress of a run: items done of the task being scored.</summary>
public readonly record struct EvaluationProgress(string Model, string Task, int Done, int Total);

/// <summary>Runs tasks on a model, item by item, scoring each and aggregating the task's metrics.</summary>
public static class EvaluationRunner
{
    /// <param name="limit">Score only the first this-many rows (the harness's <c>--limit</c>); null for all.</param>
    /// <param name="chatTemplate">Send each prompt as a user turn in the model's chat template (the harness's
    /// <c>--apply_chat_template</c>), for instruction-tuned models.</param>
    /// <param name="contamination">The training-data check, or null when no training data was given.</param>
    /// <exception cref="TaskFileException">A row is malformed (file, line and field named).</exception>
    /// <exception cref="InvalidOperationException">The task needs log-likelihoods and the model gives none.</exception>
    public static async Task<TaskResult> RunAsync(IEvaluatedModel model, EvaluationTask task, int? limit = null, bool chatTemplate = false,
        ContaminationReport? contamination = null, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var instances = Instances(task, limit, chatTemplate);
        var items = new List<ItemResult>(instances.Count);
        foreach (var instance in instances)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool contaminated = contamination?.IsContaminated(task.Name, instance.Row.Index) == true;
            items.Add(await ItemScorer.ScoreAsync(model, task.Config, instance, contaminated, cancellationToken).ConfigureAwait(false));
            progress?.Report(new EvaluationProgress(model.Name, task.Name, items.Count, instances.Count));
        }
        return Summarise(model.Name, task, items, contamination);
    }

    /// <summary>A task's result from its scored items; contamination flags are taken from <paramref name="contamination"/>
    /// (so saved items reused with new training data are judged against it).</summary>
    public static TaskResult Summarise(string model, EvaluationTask task, IReadOnlyList<ItemResult> items, ContaminationReport? contamination)
    {
        items = items.Select(i => i with { Contaminated = contamination?.IsContaminated(task.Name, i.DocId) == true }).ToList();
        var clean = items.Where(i => !i.Contaminated).ToList();
        return new TaskResult(task.Name, model, task.Config.OutputType, items,
            TaskMetrics.Aggregate(task.Config, items),
            contamination is null ? null : TaskMetrics.Aggregate(task.Config, clean),
            items.Count - clean.Count);
    }

    /// <summary>
    /// The instances a run scores: every row, or the first <paramref name="limit"/>. With <paramref name="chatTemplate"/>
    /// a plain-text prompt becomes one user turn (description and few-shot examples included), which the model renders
    /// with its chat template and generation prompt; choices and targets follow the assistant's turn opening.
    /// </summary>
    public static IReadOnlyList<TaskInstance> Instances(EvaluationTask task, int? limit, bool chatTemplate = false) =>
        task.Rows.Take(limit ?? int.MaxValue).Select(task.Instance)
            .Select(i => chatTemplate && i.Messages is null && task.Config.OutputType != OutputType.LoglikelihoodRolling
                ? i with { Messages = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["role"] = "user", ["content"] = i.Context }) }
                : i)
            .ToList();
}
