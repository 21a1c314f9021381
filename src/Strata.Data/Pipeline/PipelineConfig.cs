using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Strata.Data.IO;

namespace Strata.Data.Pipeline;

/// <summary>
/// A pipeline as a JSON file: the stages in order (each <c>{"stage": name, …its options}</c>) and how output is
/// written. Keys are snake_case; unknown keys are errors, so a typo cannot silently fall back to a default.
/// </summary>
public sealed record PipelineConfig
{
    /// <summary>Stages in order; see <see cref="StageRegistry"/> for the names and their options.</summary>
    [JsonPropertyName("stages")] public IReadOnlyList<JsonObject> Stages { get; init; } = DefaultStages();

    /// <summary>Output shards as JSON lines or Parquet.</summary>
    [JsonPropertyName("format")] public OutputFormat Format { get; init; } = OutputFormat.Jsonl;

    /// <summary>none, gzip or zstd: of the whole file for JSON lines, of the column chunks for Parquet.</summary>
    [JsonPropertyName("compression")] public Compression Compression { get; init; } = Compression.None;

    /// <summary>Write every removed document, with its stage and reason, under <c>removed/</c> for inspection.</summary>
    [JsonPropertyName("write_removed")] public bool WriteRemoved { get; init; } = true;

    /// <summary>Single-document files (HTML, Markdown, PDF…) are grouped this many to an input shard.</summary>
    [JsonPropertyName("documents_per_shard")] public int DocumentsPerShard { get; init; } = 1000;

    /// <summary>Documents processed in parallel; the default uses every core.</summary>
    [JsonPropertyName("workers")] public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Documents read ahead and processed together before being written in order.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 256;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
    };

    /// <exception cref="InvalidDataException">The file is not a valid configuration (message names the file).</exception>
    public static PipelineConfig Load(string path)
    {
        try
        {
            var config = JsonSerializer.Deserialize<PipelineConfig>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty configuration");
            config.Validate();
            return config;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Workers, 1, "workers");
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, "batch_size");
        ArgumentOutOfRangeException.ThrowIfLessThan(DocumentsPerShard, 1, "documents_per_shard");
        foreach (var stage in Stages)
        {
            if (stage["stage"] is not JsonValue name || !name.TryGetValue(out string? _))
                throw new ArgumentException($"every stage needs a \"stage\" name: {stage.ToJsonString()}");
        }
    }

    /// <summary>The default pipeline: see <see cref="StageRegistry.DefaultStages"/>.</summary>
    public static IReadOnlyList<JsonObject> DefaultStages() => StageRegistry.DefaultStages.Select(s => (JsonObject)s.DeepClone()).ToArray();
}
