using System.Text.Json.Nodes;
using Strata.Models.Templates;

namespace Strata.Evaluation.Tasks;

/// <summary>
/// A task ready to run: its file read, its rows loaded, and every row turned into a <see cref="TaskInstance"/> as
/// lm-evaluation-harness builds requests (description, few-shot examples joined by <c>fewshot_delimiter</c>, the row's
/// text; choices after <c>target_delimiter</c>).
/// </summary>
public sealed class EvaluationTask
{
    private readonly IReadOnlyList<TaskRow> fewshotPool;
    private readonly bool fewshotFromTestRows;

    private EvaluationTask(TaskConfig config, IReadOnlyList<TaskRow> rows, IReadOnlyList<TaskRow> fewshotPool, bool fewshotFromTestRows)
    {
        Config = config;
        Rows = rows;
        this.fewshotPool = fewshotPool;
        this.fewshotFromTestRows = fewshotFromTestRows;
    }

    public TaskConfig Config { get; }

    public string Name => Config.Name;

    /// <summary>The scored split's rows.</summary>
    public IReadOnlyList<TaskRow> Rows { get; }

    /// <summary>Reads the task file and its data.</summary>
    /// <exception cref="TaskFileException">The file or a data row is malformed (file, line and field named).</exception>
    public static EvaluationTask Load(string path) => FromConfig(TaskFile.Load(path));

    /// <exception cref="TaskFileException">A split is missing or a data row is malformed.</exception>
    public static EvaluationTask FromConfig(TaskConfig config)
    {
        if (!config.DataFiles.TryGetValue(config.TestSplit, out var testFiles))
        {
            throw new TaskFileException(config.SourceFile, 1, "test_split", $"no data files for split '{config.TestSplit}' (splits: {string.Join(", ", config.DataFiles.Keys)})");
        }
        var rows = TaskRows.Read(testFiles);
        if (config.DocToMessages is not null && config.NumFewshot > 0)
        {
            throw new TaskFileException(config.SourceFile, 1, "num_fewshot", "few-shot examples go in doc_to_messages' turns for chat tasks");
        }
        if (config.FewshotSplit is null || config.NumFewshot == 0) return new EvaluationTask(config, rows, rows, fewshotFromTestRows: true);
        if (!config.DataFiles.TryGetValue(config.FewshotSplit, out var fewshotFiles))
        {
            throw new TaskFileException(config.SourceFile, 1, "fewshot_split", $"no data files for split '{config.FewshotSplit}'");
        }
        return new EvaluationTask(config, rows, TaskRows.Read(fewshotFiles), fewshotFromTestRows: false);
    }

    /// <summary>Every row as an instance, in order.</summary>
    /// <exception cref="TaskFileException">A row lacks a field a template names, or has a target that is not among its choices.</exception>
    public IReadOnlyList<TaskInstance> Instances() => Rows.Select(Instance).ToList();

    /// <exception cref="TaskFileException">As <see cref="Instances"/>.</exception>
    public TaskInstance Instance(TaskRow row)
    {
        var choices = Config.DocToChoice is null ? [] : Choices(row);
        var (targets, gold) = Targets(row, choices);
        JsonArray? messages = Config.DocToMessages is null ? null : Messages(row);
        string context = Config.OutputType == OutputType.LoglikelihoodRolling ? "" : Context(row);
        string query = Config.DecontaminationQuery is null
            ? (messages is null ? context : string.Join("\n", messages.Select(m => m?["content"]?.GetValue<string>()))) + " " + targets.FirstOrDefault()
            : Text(row, Config.DecontaminationQuery, "doc_to_decontamination_query");
        return new TaskInstance(row, context, messages, targets, choices, gold, query);
    }

    private string Context(TaskRow row)
    {
        var parts = new List<string>();
        foreach (var example in FewshotExamples(row))
        {
            var exampleChoices = Config.DocToChoice is null ? [] : Choices(example);
            parts.Add(Text(example, Config.DocToText, "doc_to_text") + Config.TargetDelimiter + Targets(example, exampleChoices).Targets[0]);
        }
        parts.Add(Text(row, Config.DocToText, "doc_to_text"));
        string body = string.Join(Config.FewshotDelimiter, parts);
        // As the harness: the description runs straight into the first example (a task writes its own separator into
        // the description); examples and the item are joined by the few-shot delimiter.
        return Config.Description + body;
    }

    /// <summary>
    /// num_fewshot examples for <paramref name="row"/>: drawn without replacement from the few-shot split (else from the
    /// scored rows, never the row itself) by a generator seeded with (fewshot_seed, row index), so each item's
    /// examples are the same whatever subset or order is run.
    /// </summary>
    private IEnumerable<TaskRow> FewshotExamples(TaskRow row)
    {
        if (Config.NumFewshot == 0) return [];
        var candidates = fewshotFromTestRows ? fewshotPool.Where(r => r.Index != row.Index).ToList() : fewshotPool.ToList();
        if (candidates.Count < Config.NumFewshot)
        {
            throw new TaskFileException(Config.SourceFile, 1, "num_fewshot", $"{Config.NumFewshot} examples wanted, {candidates.Count} available");
        }
        var random = new Random(HashCode.Combine(Config.FewshotSeed, row.Index) & int.MaxValue);
        var order = candidates.ToArray();
        random.Shuffle(order);
        return order.Take(Config.NumFewshot).OrderBy(r => r.Index);
    }

    private IReadOnlyList<string> Choices(TaskRow row)
    {
        var value = Value(row, Config.DocToChoice!, "doc_to_choice");
        if (value is JsonArray array && array.Count > 0 && array.All(c => c is JsonValue))
        {
            return array.Select(c => Scalar(c!)).ToList();
        }
        throw RowError(row, "doc_to_choice", $"expected a non-empty list of choices, got {value?.ToJsonString() ?? "null"}");
    }

    private (IReadOnlyList<string> Targets, int? Gold) Targets(TaskRow row, IReadOnlyList<string> choices)
    {
        var value = Value(row, Config.DocToTarget, "doc_to_target");
        if (choices.Count > 0)
        {
            int gold = value switch
            {
                JsonValue v when v.TryGetValue(out long index) => (int)index,
                JsonValue v when v.TryGetValue(out string? text) && int.TryParse(text, out int parsed) && !choices.Contains(text) => parsed,
                JsonValue v when v.TryGetValue(out string? text) => choices.ToList().IndexOf(text),
                _ => -1,
            };
            if (gold < 0 || gold >= choices.Count)
            {
                throw RowError(row, "doc_to_target", $"{value?.ToJsonString() ?? "null"} is neither a choice's index (0–{choices.Count - 1}) nor one of the choices");
            }
            return ([choices[gold]], gold);
        }
        return value switch
        {
            JsonArray many when many.Count > 0 && many.All(t => t is JsonValue) => (many.Select(t => Scalar(t!)).ToList(), null),
            JsonValue one => ([Scalar(one)], null),
            _ => throw RowError(row, "doc_to_target", $"expected text, got {value?.ToJsonString() ?? "null"}"),
        };
    }

    private JsonArray Messages(TaskRow row)
    {
        var value = Value(row, Config.DocToMessages!, "doc_to_messages");
        if (value is JsonArray turns && turns.Count > 0 && turns.All(t => t is JsonObject o && o["role"] is JsonValue && o["content"] is JsonValue))
        {
            return turns;
        }
        throw RowError(row, "doc_to_messages", "expected a list of {role, content} turns");
    }

    private string Text(TaskRow row, TaskField field, string name) => Value(row, field, name) switch
    {
        JsonValue v => Scalar(v),
        var other => throw RowError(row, name, $"expected text, got {other?.ToJsonString() ?? "null"}"),
    };

    private JsonNode? Value(TaskRow row, TaskField field, string name)
    {
        try
        {
            return field.ValueFor(row.Fields);
        }
        catch (TemplateException e)
        {
            throw RowError(row, name, e.Message);
        }
    }

    private static string Scalar(JsonNode node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : node.ToJsonString();

    private static TaskFileException RowError(TaskRow row, string field, string message)
    {
        int split = row.Location.LastIndexOfAny([':', '#']);
        long line = split > 0 && long.TryParse(row.Location[(split + 1)..], out long n) ? n : 0;
        return new TaskFileException(split > 0 ? row.Location[..split] : row.Location, line, field, message);
    }
}
