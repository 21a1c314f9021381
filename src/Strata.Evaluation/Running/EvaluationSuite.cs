using Strata.Evaluation.Models;
using Strata.Evaluation.Reports;
using Strata.Evaluation.Tasks;
using Strata.Models.Inference;

namespace Strata.Evaluation.Running;

/// <summary>What <c>strata eval</c> runs.</summary>
/// <param name="Tasks">Task files, or folders of them (<c>*.yaml</c>, <c>*.yml</c>, <c>*.json</c>).</param>
/// <param name="TrainingData">Training corpora for the contamination check; empty to skip it.</param>
/// <param name="Limit">Score only the first this-many rows of each task.</param>
/// <param name="Output">The results folder: each model × task's items are saved there as soon as they are scored, and a
/// rerun into the same folder reuses the ones whose task, data, limit and model are unchanged (an interrupted run resumes).</param>
/// <param name="ChatTemplate">Prompts as user turns in each model's chat template (<c>--apply-chat-template</c>).</param>
public sealed record SuiteOptions(IReadOnlyList<string> Tasks, IReadOnlyList<ModelSpec> Models, IReadOnlyList<string> TrainingData,
    int? Limit, InferenceOptions Inference, string? Output = null, bool ChatTemplate = false);

/// <summary>A line of progress: a phase, or items done in the current model × task.</summary>
public readonly record struct SuiteProgress(string Phase, EvaluationProgress? Items = null);

/// <summary>
/// Runs every model on every task, one model in memory at a time: tasks are read (and malformed files refused)
/// before any model loads, the training data is checked for contamination once for all tasks, and every model is
/// compared with the first item by item.
/// </summary>
public static class EvaluationSuite
{
    /// <exception cref="TaskFileException">A task file or data row is malformed.</exception>
    public static async Task<EvaluationReport> RunAsync(SuiteOptions options, IProgress<SuiteProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (options.Models.Count == 0) throw new ArgumentException("no models to evaluate");
        var tasks = TaskFiles(options.Tasks).Select(EvaluationTask.Load).ToList();
        var duplicate = tasks.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"two task files name the task '{duplicate.Key}': {string.Join(", ", duplicate.Select(t => t.Config.SourceFile))}");
        var instances = tasks.Select(t => (t.Name, EvaluationRunner.Instances(t, options.Limit, options.ChatTemplate))).ToList();

        ContaminationReport? contamination = null;
        if (options.TrainingData.Count > 0)
        {
            var files = TrainingTexts.Files(options.TrainingData);
            progress?.Report(new SuiteProgress($"checking {instances.Sum(i => i.Item2.Count)} items for 13-gram overlap with {files.Count} training file(s)"));
            contamination = ContaminationCheck.Run(instances, files, cancellationToken: cancellationToken);
        }

        var results = new List<TaskResult>();
        var itemProgress = progress is null ? null : new Forward(p => progress.Report(new SuiteProgress("scoring", p)));
        foreach (var spec in options.Models)
        {
            var saved = tasks.ToDictionary(t => t.Name, t => SavedRun.TryRead(options, spec, t, contamination));
            foreach (var (task, items) in saved.Where(s => s.Value is not null)) progress?.Report(new SuiteProgress($"{spec.Name} · {task}: reusing {items!.Count} saved items"));
            IEvaluatedModel? model = null;
            try
            {
                foreach (var task in tasks)
                {
                    if (saved[task.Name] is { } items)
                    {
                        results.Add(EvaluationRunner.Summarise(model?.Name ?? spec.Name, task, items, contamination));
                        continue;
                    }
                    if (model is null)
                    {
                        progress?.Report(new SuiteProgress($"loading {spec.Name}"));
                        model = spec.Open(options.Inference);
                    }
                    var result = await EvaluationRunner.RunAsync(model, task, options.Limit, options.ChatTemplate, contamination, itemProgress, cancellationToken).ConfigureAwait(false);
                    SavedRun.Write(options, spec, task, result);
                    results.Add(result);
                }
            }
            finally
            {
                model?.Dispose();
            }
        }
        return EvaluationReport.Build(results, contamination, DateTimeOffset.UtcNow);
    }

    /// <summary>Task files named directly or found in folders (not recursively: data files sit beside them).</summary>
    public static IReadOnlyList<string> TaskFiles(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".yaml" or ".yml" or ".json")
                    .Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0) throw new FileNotFoundException($"{path}: no task files (*.yaml, *.yml, *.json) in this folder");
                files.AddRange(found);
            }
            else if (File.Exists(path)) files.Add(path);
            else throw new FileNotFoundException($"{path}: no task file or folder here", path);
        }
        return files;
    }

    /// <summary>Reports on the caller's thread, in order (<see cref="Progress{T}"/> would post them to the thread pool).</summary>
    private sealed class Forward(Action<EvaluationProgress> report) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => report(value);
    }
}
