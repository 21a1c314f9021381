using System.CommandLine;
using Strata.Evaluation.Reports;
using Strata.Evaluation.Running;
using Strata.Training.Quickstart;

namespace Strata.Cli.Commands;

/// <summary><c>strata eval</c>: score models on task files, report contamination, compare models item by item.</summary>
internal static class EvalCommand
{
    /// <summary>The task name that stands for the quickstart's own held-out tasks.</summary>
    private const string QuickstartTasks = "quickstart";

    public static Command Create(CliContext context)
    {
        var models = new Option<string[]>("--model")
        {
            Description = "Model to evaluate, repeatable: a folder or .gguf file (PATH[=NAME]), or an OpenAI-compatible server (URL=MODEL, generate_until tasks only)",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var tasks = new Option<string[]>("--tasks")
        {
            Description = "Task files or folders of them (lm-evaluation-harness YAML or JSON); 'quickstart' for the quickstart's held-out tasks",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var trainData = new Option<string[]>("--train-data")
        {
            Description = "Training corpora (JSONL/Parquet shards, conversation files, or folders): items sharing a 13-gram with them are reported as contaminated, with scores on the clean items beside",
            AllowMultipleArgumentsPerToken = true,
        };
        var limit = new Option<int?>("--limit") { Description = "Score only the first N items of each task" };
        var output = new Option<string>("--out") { Description = "Folder for results.json, results.md and samples/; a rerun into it reuses what is already scored", DefaultValueFactory = _ => "eval-results" };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "Environment variable holding the API key for URL models" };
        var chatTemplate = new Option<bool>("--apply-chat-template") { Description = "Send each prompt as a user turn in the model's chat template (for instruction-tuned models)" };
        var inference = new InferenceFlags();
        var command = new Command("eval", "Evaluate models on benchmark tasks, with contamination and paired comparisons") { models, tasks, trainData, limit, output, apiKeyEnv, chatTemplate };
        inference.AddTo(command);
        command.Subcommands.Add(EvalJudgeCommand.Create(context));
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(limit) is < 1) throw new ArgumentException("--limit must be at least 1");
            string folder = parse.GetValue(output)!;
            var options = new SuiteOptions(
                Tasks(parse.GetRequiredValue(tasks)),
                parse.GetRequiredValue(models).Select(m => ModelSpec.Parse(m, parse.GetValue(apiKeyEnv))).ToList(),
                parse.GetValue(trainData) ?? [],
                parse.GetValue(limit),
                inference.Read(parse),
                folder,
                parse.GetValue(chatTemplate));
            var report = await EvaluationSuite.RunAsync(options, Progress(context), cancellationToken);
            ResultsFiles.Write(report, folder);
            context.Output.Write(ResultsFiles.Markdown(report));
            context.Output.WriteLine($"results: {Path.Combine(folder, "results.json")}, per-item samples: {Path.Combine(folder, "samples")}");
            return 0;
        });
        return command;
    }

    /// <summary>Task paths, with "quickstart" written out as files under ./models/quickstart/eval.</summary>
    private static List<string> Tasks(IEnumerable<string> names) => names.SelectMany(name => name == QuickstartTasks && !Path.Exists(name)
        ? QuickstartEvalTasks.Write(Path.Combine("models", "quickstart", "eval"), new QuickstartOptions())
        : [name]).ToList();

    /// <summary>One stderr line per phase and every tenth of a task (and its end): readable in logs and terminals alike.</summary>
    private static IProgress<SuiteProgress> Progress(CliContext context) => new LineProgress(p =>
    {
        if (p.Items is not { } items)
        {
            context.Error.WriteLine(p.Phase);
            return;
        }
        int step = Math.Max(1, items.Total / 10);
        if (items.Done % step == 0 || items.Done == items.Total)
        {
            context.Error.WriteLine($"{items.Model} · {items.Task}: {items.Done}/{items.Total}");
        }
    });

    private sealed class LineProgress(Action<SuiteProgress> report) : IProgress<SuiteProgress>
    {
        public void Report(SuiteProgress value) => report(value);
    }
}
