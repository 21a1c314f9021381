using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Data.Decontamination;
using Strata.Data.Dedup;
using Strata.Data.Extraction;
using Strata.Data.Filters;
using Strata.Data.Normalisation;
using Strata.Data.Quality;

namespace Strata.Data.Pipeline;

/// <summary>Where a stage's relative paths (evaluation sets, say) are resolved.</summary>
public sealed record StageContext(string BaseDirectory);

/// <summary>
/// Stage names → constructors. Each stage's options are a typed record; the stage's JSON object (less its
/// <c>"stage"</c> key) is deserialised into it, so every option has a default and unknown keys are errors.
/// </summary>
public static class StageRegistry
{
    private static readonly Dictionary<string, Func<JsonObject, StageContext, object>> Factories = new(StringComparer.Ordinal);

    static StageRegistry()
    {
        Register<ExtractOptions>("extract", (o, _) => new ExtractStage(o));
        Register<NormaliseOptions>("normalise", (o, _) => new NormaliseStage(o));
        Register<CodeClassifierOptions>("classify_code", (o, _) => new CodeClassifier(o));
        Register<LanguageFilterOptions>("language", (o, _) => new LanguageFilter(o));
        Register<GopherRepetitionOptions>("gopher_repetition", (o, _) => new GopherRepetitionFilter(o));
        Register<GopherQualityOptions>("gopher_quality", (o, _) => new GopherQualityFilter(o));
        Register<C4Options>("c4", (o, _) => new C4Filter(o));
        Register<BadWordsOptions>("badwords", (o, context) => BadWordsFilter.FromFile(
            Path.Combine(context.BaseDirectory, o.WordsFile ?? throw new ArgumentException("stage \"badwords\": no words_file given")), o));
        Register<FineWebQualityOptions>("fineweb_quality", (o, _) => new FineWebQualityFilter(o));
        Register<ExactDedupOptions>("exact_dedup", (o, _) => new ExactDedupStage(o));
        Register<MinHashOptions>("minhash_dedup", (o, _) => new MinHashDedupStage(o));
        Register<DecontaminateConfig>("decontaminate", (o, context) => o.Create(context));
        Register<QualityClassifierOptions>("quality_classifier", QualityClassifierStage.Create);
    }

    /// <summary>
    /// The default pipeline, in FineWeb's order: extraction, normalisation (with FineWeb's e-mail and IP masking), code
    /// routing, English at ≥ 0.65, Gopher repetition and quality, C4 (without its terminal-punctuation line rule, as
    /// FineWeb runs it), FineWeb's rules, then exact and MinHash deduplication.
    /// </summary>
    public static readonly IReadOnlyList<JsonObject> DefaultStages =
    [
        new() { ["stage"] = "extract" },
        new() { ["stage"] = "normalise" },
        new() { ["stage"] = "classify_code" },
        new() { ["stage"] = "language" },
        new() { ["stage"] = "gopher_repetition" },
        new() { ["stage"] = "gopher_quality" },
        new() { ["stage"] = "c4", ["filter_no_terminal_punct"] = false },
        new() { ["stage"] = "fineweb_quality" },
        new() { ["stage"] = "exact_dedup" },
        new() { ["stage"] = "minhash_dedup" },
    ];

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    private static void Register<TOptions>(string name, Func<TOptions, StageContext, object> create) =>
        Factories[name] = (json, context) => create(Options<TOptions>(name, json), context);

    /// <summary>Builds every stage of <paramref name="config"/>: each an <see cref="IDocumentStage"/> or an <see cref="ICorpusStage"/>.</summary>
    /// <exception cref="ArgumentException">An unknown stage name or a bad option (the message names the stage).</exception>
    public static IReadOnlyList<object> Create(PipelineConfig config, StageContext context)
    {
        if (config.Stages.Count == 0) throw new ArgumentException("a pipeline needs at least one stage");
        return config.Stages.Select(json => Create(json, context)).ToArray();
    }

    public static object Create(JsonObject json, StageContext context)
    {
        string name = json["stage"]!.GetValue<string>();
        if (!Factories.TryGetValue(name, out var create))
            throw new ArgumentException($"unknown stage \"{name}\" (known: {string.Join(", ", Factories.Keys.Order())})");
        return create(json, context);
    }

    private static TOptions Options<TOptions>(string stage, JsonObject json)
    {
        var options = new JsonObject();
        foreach (var (key, value) in json) if (key != "stage") options[key] = value?.DeepClone();
        try
        {
            return options.Deserialize<TOptions>(PipelineConfig.Json) ?? throw new ArgumentException($"stage \"{stage}\": no options");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"stage \"{stage}\": {e.Message}", e);
        }
    }
}

/// <summary>Options of the <c>decontaminate</c> stage: the evaluation sets to keep out, and how.</summary>
public sealed record DecontaminateConfig
{
    /// <summary>JSONL files of evaluation items (relative paths resolve against the configuration's folder).</summary>
    public IReadOnlyList<string> EvaluationSets { get; init; } = [];

    /// <summary>Shared n-gram length, in normalised words.</summary>
    public int N { get; init; } = 13;

    public DecontaminationMode Mode { get; init; } = DecontaminationMode.Remove;

    internal DecontaminateStage Create(StageContext context)
    {
        if (EvaluationSets.Count == 0) throw new ArgumentException("stage \"decontaminate\": no evaluation_sets given");
        var options = new DecontaminationOptions(N, Mode);
        var items = EvaluationSets.SelectMany(path => EvalItems.ReadJsonl(Path.Combine(context.BaseDirectory, path))).ToArray();
        return new DecontaminateStage(new EvalNGramIndex(items, options), options);
    }
}
