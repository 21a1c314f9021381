using System.Text.Json;
using System.Text.Json.Nodes;

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

    /// <summary>The default pipeline's stages, in order.</summary>
    public static readonly IReadOnlyList<string> DefaultStageNames = [];

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    private static void Register<TOptions>(string name, Func<TOptions, StageContext, object> create) where TOptions : new() =>
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

    private static TOptions Options<TOptions>(string stage, JsonObject json) where TOptions : new()
    {
        var options = new JsonObject();
        foreach (var (key, value) in json) if (key != "stage") options[key] = value?.DeepClone();
        try
        {
            return options.Deserialize<TOptions>(PipelineConfig.Json) ?? new TOptions();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"stage \"{stage}\": {e.Message}", e);
        }
    }
}
