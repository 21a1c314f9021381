using System.Text.Json.Serialization;

namespace Strata.Models.Configuration;

/// <summary>The <c>rope_scaling</c> block of an HF config: stretches RoPE frequencies for longer contexts.</summary>
public sealed record RopeScaling
{
    /// <summary><c>linear</c> or <c>llama3</c>. Older configs spell the key <c>type</c>.</summary>
    [JsonPropertyName("rope_type")] public string? RopeType { get; init; }
    [JsonPropertyName("type")] public string? LegacyType { get; init; }
    [JsonPropertyName("factor")] public double Factor { get; init; } = 1.0;
    [JsonPropertyName("low_freq_factor")] public double? LowFreqFactor { get; init; }
    [JsonPropertyName("high_freq_factor")] public double? HighFreqFactor { get; init; }
    [JsonPropertyName("original_max_position_embeddings")] public int? OriginalMaxPositionEmbeddings { get; init; }

    [JsonIgnore] public string Kind => RopeType ?? LegacyType ?? "default";

    public void Validate(string source)
    {
        switch (Kind)
        {
            case "default":
                return;
            case "linear":
                if (Factor <= 0) throw new InvalidDataException($"{source}: rope_scaling.factor must be positive");
                return;
            case "llama3":
                if (Factor <= 0 || LowFreqFactor is null || HighFreqFactor is null || OriginalMaxPositionEmbeddings is null
                    || HighFreqFactor <= LowFreqFactor)
                {
                    throw new InvalidDataException(
                        $"{source}: rope_scaling 'llama3' needs factor, low_freq_factor < high_freq_factor and original_max_position_embeddings");
                }
                return;
            default:
                throw new InvalidDataException($"{source}: rope_scaling type '{Kind}' is not supported (linear, llama3)");
        }
    }
}
