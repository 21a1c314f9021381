using System.Text.Json.Nodes;
using Strata.Models.Templates;
using YamlDotNet.RepresentationModel;

namespace Strata.Evaluation.Tasks;

/// <summary>
/// Reads a task file (YAML, or JSON, which YAML reads) into a <see cref="TaskConfig"/>. Keys are lm-evaluation-harness's;
/// the harness's bookkeeping keys (<c>tag</c>, <c>group</c>, <c>metadata</c>, …) are accepted and ignored; keys that
/// need Python (<c>process_docs</c>, <c>!function</c>) and unknown keys are refused, each with the file, line and key.
/// </summary>
public static class TaskFile
{
    private static readonly HashSet<string> Ignored = ["tag", "group", "group_alias", "task_alias", "metadata", "training_split", "dataset_name", "fewshot_config", "repeats", "unsafe_code"];
    private static readonly HashSet<string> NeedPython = ["process_docs", "process_results", "custom_dataset", "doc_to_image", "doc_to_audio"];

    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="TaskFileException">Malformed: the message names the file, line and key.</exception>
    public static TaskConfig Load(string path)
    {
        string file = Path.GetFullPath(path);
        if (!File.Exists(file)) throw new FileNotFoundException($"{path}: no task file here", path);
        var root = YamlNodes.ReadRoot(file);
        var fields = new Dictionary<string, (JsonNode? Value, long Line)>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in root.Children)
        {
            string key = (keyNode as YamlScalarNode)?.Value ?? throw new TaskFileException(file, YamlNodes.Line(keyNode), null, "keys are plain names");
            if (NeedPython.Contains(key)) throw new TaskFileException(file, YamlNodes.Line(keyNode), key, "needs Python code, which Strata cannot run; prepare the data file instead");
            if (Ignored.Contains(key)) continue;
            if (!Known.Contains(key)) throw new TaskFileException(file, YamlNodes.Line(keyNode), key, $"unknown key (known: {string.Join(", ", Known.Order())})");
            fields[key] = (YamlNodes.ToJson(file, key, valueNode), YamlNodes.Line(valueNode));
        }
        return new Reader(file, fields, YamlNodes.Line(root)).Read();
    }

    private static readonly HashSet<string> Known =
    [
        "task", "dataset_path", "dataset_kwargs", "test_split", "validation_split", "fewshot_split", "output_type",
        "doc_to_text", "doc_to_target", "doc_to_choice", "doc_to_messages", "description", "target_delimiter",
        "fewshot_delimiter", "num_fewshot", "fewshot_seed", "generation_kwargs", "filter_list", "metric_list",
        "should_decontaminate", "doc_to_decontamination_query",
    ];

    private sealed class Reader(string file, Dictionary<string, (JsonNode? Value, long Line)> fields, long firstLine)
    {
        public TaskConfig Read()
        {
            var outputType = OutputTypeOf(OptionalString("output_type") ?? "generate_until");
            string testSplit = OptionalString("test_split") ?? OptionalString("validation_split") ?? "test";
            var config = new TaskConfig
            {
                Name = RequiredString("task"),
                SourceFile = file,
                DataFiles = DataFiles(testSplit),
                TestSplit = testSplit,
                FewshotSplit = OptionalString("fewshot_split"),
                OutputType = outputType,
                DocToText = Field("doc_to_text") ?? (fields.ContainsKey("doc_to_messages") ? TaskField.From(JsonValue.Create("")) : throw Error("doc_to_text", "required")),
                DocToTarget = Field("doc_to_target") ?? throw Error("doc_to_target", "required"),
                DocToChoice = Field("doc_to_choice"),
                DocToMessages = Field("doc_to_messages"),
                DecontaminationQuery = Field("doc_to_decontamination_query"),
                Description = OptionalString("description") ?? "",
                TargetDelimiter = OptionalString("target_delimiter") ?? " ",
                FewshotDelimiter = OptionalString("fewshot_delimiter") ?? "\n\n",
                NumFewshot = OptionalInt("num_fewshot", 0, 0),
                FewshotSeed = OptionalInt("fewshot_seed", 1234, int.MinValue),
                Generation = Generation(),
                Filters = Filters(),
                Metrics = Metrics(outputType),
            };
            if (outputType == OutputType.MultipleChoice && config.DocToChoice is null) throw Error("doc_to_choice", "multiple_choice tasks need doc_to_choice");
            return config;
        }

        private TaskFileException Error(string key, string message) =>
            new(file, fields.TryGetValue(key, out var f) ? f.Line : firstLine, key, message);

        private string RequiredString(string key) => OptionalString(key) ?? throw Error(key, "required");

        private string? OptionalString(string key)
        {
            if (!fields.TryGetValue(key, out var f) || f.Value is null) return null;
            return f.Value is JsonValue v && v.TryGetValue(out string? s) ? s : throw Error(key, "expected text");
        }

        private int OptionalInt(string key, int fallback, int minimum)
        {
            if (!fields.TryGetValue(key, out var f) || f.Value is null) return fallback;
            if (f.Value is JsonValue v && v.TryGetValue(out long n) && n >= minimum && n <= int.MaxValue) return (int)n;
            throw Error(key, minimum == 0 ? "expected a whole number ≥ 0" : "expected a whole number");
        }

        private TaskField? Field(string key)
        {
            if (!fields.TryGetValue(key, out var f) || f.Value is null) return null;
            try
            {
                return TaskField.From(f.Value);
            }
            catch (Exception e) when (e is ArgumentException or TemplateException)
            {
                throw Error(key, e.Message);
            }
        }

        private OutputType OutputTypeOf(string value) => value switch
        {
            "multiple_choice" => OutputType.MultipleChoice,
            "generate_until" => OutputType.GenerateUntil,
            "loglikelihood_rolling" => OutputType.LoglikelihoodRolling,
            "loglikelihood" => OutputType.Loglikelihood,
            _ => throw Error("output_type", $"'{value}' is not one of multiple_choice, generate_until, loglikelihood, loglikelihood_rolling"),
        };

        /// <summary>
        /// <c>dataset_path</c> is a local file (every row is the test split), or the harness's <c>json</c>/<c>parquet</c>
        /// builder with <c>dataset_kwargs.data_files</c> (one path, a list, or a split → path(s) mapping).
        /// </summary>
        private IReadOnlyDictionary<string, IReadOnlyList<string>> DataFiles(string testSplit)
        {
            string dataset = RequiredString("dataset_path");
            string folder = Path.GetDirectoryName(file)!;
            JsonNode? dataFiles = fields.TryGetValue("dataset_kwargs", out var kwargs) && kwargs.Value is JsonObject o ? o["data_files"] : null;
            if (dataset is "json" or "parquet")
            {
                return dataFiles switch
                {
                    JsonObject splits => splits.ToDictionary(p => p.Key, p => Paths(p.Value, folder)),
                    JsonNode one => new Dictionary<string, IReadOnlyList<string>> { [testSplit] = Paths(one, folder) },
                    null => throw Error("dataset_kwargs", $"dataset_path '{dataset}' reads dataset_kwargs.data_files; give the file(s)"),
                };
            }
            if (dataFiles is not null) throw Error("dataset_kwargs", "data_files goes with dataset_path json or parquet");
            if (dataset.Contains('/') && !File.Exists(Path.Combine(folder, dataset)) && !dataset.Contains('.'))
            {
                throw Error("dataset_path", $"'{dataset}' looks like a Hugging Face Hub dataset; Strata reads local files only (download it, then name the .jsonl/.json/.parquet file)");
            }
            return new Dictionary<string, IReadOnlyList<string>> { [testSplit] = Paths(JsonValue.Create(dataset), folder) };
        }

        private IReadOnlyList<string> Paths(JsonNode? node, string folder)
        {
            var names = node switch
            {
                JsonValue v when v.TryGetValue(out string? s) => [s],
                JsonArray a when a.All(i => i is JsonValue iv && iv.TryGetValue(out string? _)) => a.Select(i => i!.GetValue<string>()).ToList(),
                _ => throw Error("dataset_kwargs", "data_files holds file paths"),
            };
            var paths = new List<string>();
            foreach (string name in names)
            {
                string full = Path.GetFullPath(Path.Combine(folder, name));
                if (!File.Exists(full)) throw Error(fields.ContainsKey("dataset_kwargs") ? "dataset_kwargs" : "dataset_path", $"no data file at {full}");
                paths.Add(full);
            }
            return paths;
        }

        private GenerationSpec Generation()
        {
            if (!fields.TryGetValue("generation_kwargs", out var f) || f.Value is null) return new GenerationSpec(["\n\n"]);
            if (f.Value is not JsonObject kwargs) throw Error("generation_kwargs", "expected a mapping (until, max_gen_toks, do_sample, temperature)");
            IReadOnlyList<string> until = kwargs["until"] switch
            {
                null => ["\n\n"],
                JsonValue v when v.TryGetValue(out string? s) => [s],
                JsonArray a when a.All(i => i is JsonValue iv && iv.TryGetValue(out string? _)) => a.Select(i => i!.GetValue<string>()).ToList(),
                _ => throw Error("generation_kwargs", "until is a string or a list of strings"),
            };
            int maxTokens = 256;
            if (kwargs["max_gen_toks"] is JsonNode m)
            {
                maxTokens = m is JsonValue mv && mv.TryGetValue(out long n) && n is > 0 and <= 1 << 20 ? (int)n : throw Error("generation_kwargs", "max_gen_toks is a whole number > 0");
            }
            if (kwargs["do_sample"] is JsonValue ds && ds.TryGetValue(out bool sample) && sample) throw Error("generation_kwargs", "do_sample: Strata's harness decodes greedily, so scores are repeatable");
            foreach (var (key, _) in kwargs)
            {
                if (key is not ("until" or "max_gen_toks" or "do_sample" or "temperature")) throw Error("generation_kwargs", $"unknown key '{key}' (known: until, max_gen_toks, do_sample, temperature)");
            }
            return new GenerationSpec(until, maxTokens);
        }

        private IReadOnlyList<FilterStep> Filters()
        {
            if (!fields.TryGetValue("filter_list", out var f) || f.Value is null) return [];
            if (f.Value is not JsonArray { Count: 1 } list || list[0] is not JsonObject pipeline || pipeline["filter"] is not JsonArray steps)
            {
                throw Error("filter_list", "expected one pipeline: [{name, filter: [{function: regex, regex_pattern: …}, {function: take_first}]}]");
            }
            return steps.Select(step => step is JsonObject s ? Filter(s) : throw Error("filter_list", "each filter step is a mapping with 'function'")).ToList();
        }

        private FilterStep Filter(JsonObject step)
        {
            string function = step["function"] is JsonValue v && v.TryGetValue(out string? name) ? name : throw Error("filter_list", "a filter step names its 'function'");
            return function switch
            {
                "regex" => new FilterStep(FilterFunction.Regex,
                    step["regex_pattern"] is JsonValue p && p.TryGetValue(out string? pattern) ? CheckedPattern(pattern) : throw Error("filter_list", "regex needs regex_pattern"),
                    step["group_select"] is JsonValue g && g.TryGetValue(out long group) ? (int)group : 0,
                    step["fallback"] is JsonValue fb && fb.TryGetValue(out string? fallback) ? fallback : "[invalid]"),
                "take_first" => new FilterStep(FilterFunction.TakeFirst),
                "lowercase" => new FilterStep(FilterFunction.Lowercase),
                "uppercase" => new FilterStep(FilterFunction.Uppercase),
                "strip" => new FilterStep(FilterFunction.Strip),
                _ => throw Error("filter_list", $"filter '{function}' is not one of regex, take_first, lowercase, uppercase, strip"),
            };
        }

        private string CheckedPattern(string pattern)
        {
            try
            {
                _ = new System.Text.RegularExpressions.Regex(pattern);
                return pattern;
            }
            catch (ArgumentException e)
            {
                throw Error("filter_list", $"regex_pattern does not compile: {e.Message}");
            }
        }

        private IReadOnlyList<MetricSpec> Metrics(OutputType outputType)
        {
            if (!fields.TryGetValue("metric_list", out var f) || f.Value is null) return [];
            if (f.Value is not JsonArray list) throw Error("metric_list", "expected a list of {metric: name}");
            var metrics = new List<MetricSpec>();
            foreach (var item in list)
            {
                string name = item is JsonObject o && o["metric"] is JsonValue v && v.TryGetValue(out string? n) ? n : throw Error("metric_list", "each entry names its 'metric'");
                if (!MetricNames.For(outputType).Contains(name))
                {
                    throw Error("metric_list", $"'{name}' is not a metric of {outputType} tasks (Strata computes: {string.Join(", ", MetricNames.For(outputType))})");
                }
                var entry = (JsonObject)item!;
                metrics.Add(new MetricSpec(name,
                    entry["ignore_case"] is JsonValue ic && ic.TryGetValue(out bool ignoreCase) && ignoreCase,
                    entry["ignore_punctuation"] is JsonValue ip && ip.TryGetValue(out bool ignorePunctuation) && ignorePunctuation,
                    entry["regexes_to_ignore"] is JsonArray r ? r.Select(x => x?.GetValue<string>() ?? "").ToList() : null));
            }
            return metrics;
        }
    }
}
