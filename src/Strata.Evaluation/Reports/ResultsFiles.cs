using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Evaluation.Metrics;
using Strata.Evaluation.Running;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Reports;

/// <summary>
/// Writes a run's outputs: <c>results.json</c> (snake_case, every metric with its standard error, on all items and
/// on the clean ones), <c>results.md</c> (one table, models side by side) and <c>samples/MODEL/TASK.jsonl</c> (every
/// item: prompt, choices, log-likelihoods, prediction, scores, contamination), so runs can be compared item by item.
/// </summary>
public static class ResultsFiles
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(EvaluationReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "results.json"), ToJson(report).ToJsonString(Indented) + "\n");
        File.WriteAllText(Path.Combine(folder, "results.md"), Markdown(report));
        foreach (var result in report.Results) WriteSamples(result, folder);
    }

    /// <summary>Where a model's per-item results on a task are kept.</summary>
    public static string SamplesPath(string folder, string model, string task) => Path.Combine(folder, "samples", FileName(model), FileName(task) + ".jsonl");

    /// <summary>Writes one model × task's items (atomically: a run interrupted mid-write leaves no half file).</summary>
    public static void WriteSamples(TaskResult result, string folder)
    {
        string path = SamplesPath(folder, result.Model, result.Task);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp";
        using (var writer = new StreamWriter(temporary, append: false, new UTF8Encoding(false)))
        {
            foreach (var item in result.Items) writer.WriteLine(Item(item).ToJsonString());
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads items written by <see cref="WriteSamples"/> back (to resume a run).</summary>
    public static IReadOnlyList<ItemResult> ReadSamples(string path) => File.ReadLines(path).Where(l => l.Length > 0).Select(line =>
    {
        var o = JsonNode.Parse(line)!.AsObject();
        IReadOnlyList<string> Strings(string key) => o[key] is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToList() : [];
        return new ItemResult(
            o["doc_id"]!.GetValue<int>(),
            o["prompt"]!.GetValue<string>(),
            Strings("targets"),
            Strings("choices"),
            o["loglikelihoods"] is JsonArray lls ? lls.Select(x => x?.GetValue<double>() ?? double.NegativeInfinity).ToList() : null,
            o["prediction"]?.GetValue<int>(),
            o["generation"]?.GetValue<string>(),
            o["filtered"]?.GetValue<string>(),
            o["scores"]!.AsObject().ToDictionary(p => p.Key, p => p.Value?.GetValue<double>() ?? double.NaN),
            o["contaminated"]?.GetValue<bool>() == true);
    }).ToList();

    public static JsonObject ToJson(EvaluationReport report) => new()
    {
        ["created"] = report.Created.ToString("O", CultureInfo.InvariantCulture),
        ["results"] = new JsonArray(report.Results.Select(Result).ToArray()),
        ["contamination"] = report.Contamination is { } c ? new JsonObject
        {
            ["n"] = c.N,
            ["training_documents"] = c.TrainingDocuments,
            ["files"] = new JsonArray(c.Files.Select(f => (JsonNode?)f).ToArray()),
            ["items"] = new JsonObject(c.Items.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonArray(p.Value.Order().Select(i => (JsonNode?)i).ToArray())))),
        } : null,
        ["comparisons"] = new JsonArray(report.Comparisons.Select(Comparison).ToArray()),
    };

    private static JsonNode Result(TaskResult result) => new JsonObject
    {
        ["task"] = result.Task,
        ["model"] = result.Model,
        ["output_type"] = OutputTypeName(result.OutputType),
        ["items"] = result.Items.Count,
        ["contaminated_items"] = result.Clean is null ? null : result.Contaminated,
        ["metrics"] = Metrics(result.Metrics),
        ["clean_metrics"] = result.Clean is null ? null : Metrics(result.Clean),
    };

    private static JsonObject Metrics(IReadOnlyDictionary<string, MetricValue> metrics) =>
        new(metrics.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonObject
        {
            ["value"] = Number(p.Value.Value),
            ["stderr"] = Number(p.Value.Stderr),
            ["items"] = p.Value.Items,
        })));

    private static JsonNode Comparison(ModelComparison c) => new JsonObject
    {
        ["task"] = c.Task,
        ["metric"] = c.Metric,
        ["model"] = c.Model,
        ["baseline"] = c.Baseline,
        ["difference"] = Number(c.Result.Difference),
        ["ci_low"] = Number(c.Result.Low),
        ["ci_high"] = Number(c.Result.High),
        ["mcnemar_p"] = c.Result.McNemarP is double p ? Number(p) : null,
        ["only_model_right"] = c.Result.McNemarP is null ? null : c.Result.OnlyA,
        ["only_baseline_right"] = c.Result.McNemarP is null ? null : c.Result.OnlyB,
    };

    private static JsonObject Item(ItemResult item) => new()
    {
        ["doc_id"] = item.DocId,
        ["prompt"] = item.Prompt,
        ["targets"] = new JsonArray(item.Targets.Select(t => (JsonNode?)t).ToArray()),
        ["choices"] = item.Choices.Count == 0 ? null : new JsonArray(item.Choices.Select(t => (JsonNode?)t).ToArray()),
        ["loglikelihoods"] = item.Loglikelihoods is null ? null : new JsonArray(item.Loglikelihoods.Select(v => Number(v)).ToArray()),
        ["prediction"] = item.Prediction,
        ["generation"] = item.Generation,
        ["filtered"] = item.Filtered,
        ["scores"] = new JsonObject(item.Scores.Select(p => KeyValuePair.Create(p.Key, Number(p.Value)))),
        ["contaminated"] = item.Contaminated,
    };

    /// <summary>results.md: a row per task and metric, a column per model; "all / clean" when training data was checked.</summary>
    public static string Markdown(EvaluationReport report)
    {
        var models = report.Results.Select(r => r.Model).Distinct().ToList();
        var text = new StringBuilder();
        text.AppendLine("| task | metric | " + string.Join(" | ", models) + " |");
        text.AppendLine("| --- | --- |" + string.Concat(models.Select(_ => " ---: |")));
        foreach (var task in report.Results.GroupBy(r => r.Task))
        {
            var first = task.First();
            foreach (string metric in first.Metrics.Keys)
            {
                var cells = models.Select(m => task.FirstOrDefault(r => r.Model == m) is { } r ? Cell(r, metric) : "");
                string arrow = MetricNames.HigherIsBetter(metric) ? "↑" : "↓";
                text.AppendLine($"| {task.Key} | {metric} {arrow} | " + string.Join(" | ", cells) + " |");
            }
        }
        if (report.Contamination is { } c)
        {
            text.AppendLine();
            text.AppendLine($"Cells read \"all items / clean items\": an item is contaminated when one of the {c.TrainingDocuments:N0} training documents shares a {c.N}-gram with it.");
            foreach (var result in report.Results.Where(r => r.Model == models[0]))
            {
                text.AppendLine($"- {result.Task}: {result.Contaminated} of {result.Items.Count} items contaminated");
            }
        }
        if (report.Comparisons.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| task | metric | model − baseline | difference | 95% CI (paired bootstrap) | McNemar p |");
            text.AppendLine("| --- | --- | --- | ---: | ---: | ---: |");
            foreach (var cmp in report.Comparisons)
            {
                var r = cmp.Result;
                text.AppendLine($"| {cmp.Task} | {cmp.Metric} | {cmp.Model} − {cmp.Baseline} | {F(r.Difference)} | [{F(r.Low)}, {F(r.High)}] | {(r.McNemarP is double p ? P(p) : "")} |");
            }
        }
        return text.ToString();
    }

    private static string Cell(TaskResult result, string metric)
    {
        var all = result.Metrics[metric];
        string cell = double.IsNaN(all.Stderr) ? F(all.Value) : $"{F(all.Value)} ± {F(all.Stderr)}";
        return result.Clean is { } clean ? $"{cell} / {F(clean[metric].Value)}" : cell;
    }

    private static string F(double value) => double.IsNaN(value) ? "–" : value.ToString(Math.Abs(value) >= 100 ? "F1" : "F4", CultureInfo.InvariantCulture);

    /// <summary>p-values to three significant digits, so a very small one does not print as 0.</summary>
    private static string P(double p) => p.ToString(p < 0.001 ? "0.00e0" : "G3", CultureInfo.InvariantCulture);

    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    public static string OutputTypeName(OutputType type) => type switch
    {
        OutputType.MultipleChoice => "multiple_choice",
        OutputType.GenerateUntil => "generate_until",
        OutputType.Loglikelihood => "loglikelihood",
        _ => "loglikelihood_rolling",
    };

    /// <summary>A model or task name as a file name: letters, digits, '-', '_' and '.' kept, anything else '_'.</summary>
    public static string FileName(string name) => string.Concat(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_'));
}
