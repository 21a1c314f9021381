namespace Strata.Evaluation.Tasks;

/// <summary>A metric a task reports, with lm-evaluation-harness's options for <c>exact_match</c>.</summary>
/// <param name="RegexesToIgnore">Patterns deleted from prediction and target before comparing.</param>
public sealed record MetricSpec(string Name, bool IgnoreCase = false, bool IgnorePunctuation = false, IReadOnlyList<string>? RegexesToIgnore = null);

/// <summary>One step of a filter pipeline over generated text (lm-evaluation-harness's <c>filter_list</c>).</summary>
/// <param name="Pattern">For <see cref="FilterFunction.Regex"/>: the pattern whose match (group 1 when it has groups) is kept.</param>
/// <param name="GroupSelect">Which match to keep: 0 the first, −1 the last.</param>
/// <param name="Fallback">The text when nothing matches ("[invalid]", as in the harness).</param>
public sealed record FilterStep(FilterFunction Function, string? Pattern = null, int GroupSelect = 0, string Fallback = "[invalid]");

/// <summary>Filter functions Strata implements (the harness's names in the task file).</summary>
public enum FilterFunction
{
    /// <summary><c>regex</c>: extract the answer with a pattern.</summary>
    Regex,

    /// <summary><c>take_first</c>: keep the first answer (a no-op with one answer per item).</summary>
    TakeFirst,

    /// <summary><c>lowercase</c>.</summary>
    Lowercase,

    /// <summary><c>uppercase</c>.</summary>
    Uppercase,

    /// <summary><c>strip</c> (Strata's name; trims whitespace at both ends).</summary>
    Strip,
}

/// <summary>How generate_until tasks generate: greedy, until any stop sequence or the token budget.</summary>
public sealed record GenerationSpec(IReadOnlyList<string> Until, int MaxGenTokens = 256);

/// <summary>
/// One evaluation task as its file describes it, in the spirit of lm-evaluation-harness's YAML tasks. Paths are
/// resolved against the task file's folder.
/// </summary>
public sealed record TaskConfig
{
    /// <summary><c>task</c>: the name reports use.</summary>
    public required string Name { get; init; }

    /// <summary>The task file, for messages.</summary>
    public required string SourceFile { get; init; }

    /// <summary>Data files per split name (JSONL, JSON or Parquet).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> DataFiles { get; init; }

    /// <summary><c>test_split</c> (else <c>validation_split</c>): the rows that are scored.</summary>
    public required string TestSplit { get; init; }

    /// <summary><c>fewshot_split</c>: where few-shot examples come from; null: the scored split, never the item itself.</summary>
    public string? FewshotSplit { get; init; }

    public OutputType OutputType { get; init; } = OutputType.GenerateUntil;

    /// <summary><c>doc_to_text</c>: the prompt of one row.</summary>
    public required TaskField DocToText { get; init; }

    /// <summary><c>doc_to_target</c>: the answer (a choice's index or text, or the expected generation).</summary>
    public required TaskField DocToTarget { get; init; }

    /// <summary><c>doc_to_choice</c>: the candidate answers of multiple-choice tasks.</summary>
    public TaskField? DocToChoice { get; init; }

    /// <summary>
    /// <c>doc_to_messages</c> (Strata's extension): a list of <c>{role, content}</c> turns rendered with the model's own
    /// chat template (with the generation prompt), instead of <see cref="DocToText"/>, for chat tasks.
    /// </summary>
    public TaskField? DocToMessages { get; init; }

    /// <summary><c>doc_to_decontamination_query</c>: the text checked against training data; default prompt + target.</summary>
    public TaskField? DecontaminationQuery { get; init; }

    /// <summary><c>description</c>: text put before the few-shot examples.</summary>
    public string Description { get; init; } = "";

    public string TargetDelimiter { get; init; } = " ";

    public string FewshotDelimiter { get; init; } = "\n\n";

    public int NumFewshot { get; init; }

    /// <summary>Seed of the few-shot draw (the harness's default, 1234), so a run is repeatable.</summary>
    public int FewshotSeed { get; init; } = 1234;

    public GenerationSpec Generation { get; init; } = new(["\n\n"]);

    public IReadOnlyList<FilterStep> Filters { get; init; } = [];

    /// <summary><c>metric_list</c>; empty means the output type's defaults.</summary>
    public IReadOnlyList<MetricSpec> Metrics { get; init; } = [];
}
