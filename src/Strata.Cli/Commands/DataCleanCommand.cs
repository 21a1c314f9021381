using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using Strata.Data.IO;
using Strata.Data.Pipeline;

namespace Strata.Cli.Commands;

/// <summary>
/// <c>strata data clean</c>: runs the curation pipeline (the default one, or <c>--config</c>) from raw files to clean
/// JSONL shards and report.json. Running it again on the same output folder resumes an interrupted run.
/// </summary>
internal static class DataCleanCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Option<string[]>("--input") { Description = "Files or folders: .jsonl[.gz|.zst], .parquet, .html, .md, .txt, .pdf", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--output") { Description = "Output folder (shards, report.json, removed/, quarantine/)", Required = true };
        var config = new Option<string?>("--config") { Description = "Pipeline JSON (default: the built-in pipeline)" };
        var evaluation = new Option<string[]>("--decontaminate") { Description = "Evaluation sets (JSONL) to keep out of the output", AllowMultipleArgumentsPerToken = true };
        var workers = new Option<int?>("--workers") { Description = "Documents processed in parallel (default: every core)" };
        var format = new Option<OutputFormat?>("--format") { Description = "Output shards: jsonl (default) or parquet" };
        var compression = new Option<Compression?>("--compression") { Description = "Output shards: none, gzip or zstd" };
        var command = new Command("clean", "Extract, normalise, filter, deduplicate and decontaminate raw documents") { input, output, config, evaluation, workers, format, compression };
        command.SetAction((parse, ct) =>
        {
            string? configPath = parse.GetValue(config);
            var pipeline = configPath is null ? new PipelineConfig() : PipelineConfig.Load(configPath);
            if (parse.GetValue(workers) is int n) pipeline = pipeline with { Workers = n };
            if (parse.GetValue(format) is OutputFormat f) pipeline = pipeline with { Format = f };
            if (parse.GetValue(compression) is Compression c) pipeline = pipeline with { Compression = c };
            var evaluationSets = parse.GetValue(evaluation) ?? [];
            if (evaluationSets.Length > 0) pipeline = pipeline with { Stages = [.. pipeline.Stages, DecontaminationStage(evaluationSets)] };
            var stages = StageRegistry.Create(pipeline, new StageContext(configPath is null ? Environment.CurrentDirectory : Path.GetDirectoryName(Path.GetFullPath(configPath))!));
            var runner = new PipelineRunner(pipeline, stages);
            string outputDirectory = parse.GetRequiredValue(output);
            var report = Run(context, runner, parse.GetRequiredValue(input), outputDirectory, ct);
            Summarise(context, report, outputDirectory);
            return Task.FromResult(0);
        });
        return command;
    }

    private static JsonObject DecontaminationStage(string[] files) =>
        new() { ["stage"] = "decontaminate", ["evaluation_sets"] = new JsonArray(files.Select(f => (JsonNode)Path.GetFullPath(f)).ToArray()) };

    private static PipelineReport Run(CliContext context, PipelineRunner runner, string[] inputs, string output, CancellationToken ct)
    {
        if (!context.Console.Profile.Capabilities.Interactive)
        {
            // Logs and tests: one line per pass and per finished shard.
            string last = "";
            return runner.Run(inputs, output, new LineProgress(p =>
            {
                string line = $"pass {p.Segment + 1}/{p.Segments} [{p.Phase}]: {p.ShardsDone}/{p.ShardsTotal} shards";
                if (line == last) return;
                last = line;
                context.Error.WriteLine(line);
            }), ct);
        }
        PipelineReport? report = null;
        context.Console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(progress =>
            {
                var tasks = runner.Passes.Select((pass, i) => progress.AddTask(Markup.Escape($"pass {i + 1}: {pass}"), autoStart: i == 0)).ToArray();
                report = runner.Run(inputs, output, new LineProgress(p =>
                {
                    var task = tasks[p.Segment];
                    if (!task.IsStarted) task.StartTask();
                    task.MaxValue = Math.Max(1, p.ShardsTotal);
                    task.Value = p.ShardsDone;
                    task.Description = Markup.Escape($"pass {p.Segment + 1}: {p.Phase} — {p.DocumentsRead:N0} documents read");
                }), ct);
            });
        return report!;
    }

    private static void Summarise(CliContext context, PipelineReport report, string output)
    {
        if (!context.Console.Profile.Capabilities.Interactive) context.Console.Profile.Width = Math.Max(context.Console.Profile.Width, 160);
        var table = new Table().AddColumn("stage").AddColumn("in", c => c.RightAligned()).AddColumn("kept", c => c.RightAligned())
            .AddColumn("removed", c => c.RightAligned()).AddColumn("top reasons");
        foreach (var stage in report.Stages)
        {
            string reasons = string.Join(", ", stage.RemovedByReason.OrderByDescending(r => r.Value).Take(3).Select(r => $"{r.Key} {r.Value:N0}"));
            if (stage.PassedAsCode > 0) reasons += (reasons.Length > 0 ? "; " : "") + $"{stage.PassedAsCode:N0} code passed";
            table.AddRow(stage.Name, stage.Input.ToString("N0"), stage.Kept.ToString("N0"), stage.Removed.ToString("N0"), Markup.Escape(reasons));
        }
        context.Console.Write(table);
        if (report.Quarantined.Count > 0)
            context.Output.WriteLine($"quarantined: {string.Join(", ", report.Quarantined.Select(q => $"{q.Key} {q.Value}"))} (see {Path.Combine(output, "quarantine")})");
        double megabytes = report.Inputs.Bytes / 1e6;
        context.Output.WriteLine($"{report.Inputs.Records:N0} records ({megabytes:F1} MB) → {report.Output.Documents:N0} documents in {report.Output.Files.Count} shard(s) " +
            $"in {report.ElapsedSeconds:F1} s ({megabytes / Math.Max(report.ElapsedSeconds, 1e-9):F1} MB/s); report: {Path.Combine(output, "report.json")}");
    }

    private sealed class LineProgress(Action<PipelineProgress> report) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => report(value);
    }
}
