using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Strata.Models.Configuration;
using Strata.Training.Loop;

namespace Strata.Training.Pretraining;

/// <summary>The shape of the model to pretrain: a preset, optionally overridden key by key.</summary>
public sealed record ModelShape
{
    [JsonPropertyName("preset")] public string Preset { get; init; } = "small";
    [JsonPropertyName("num_hidden_layers")] public int? Layers { get; init; }
    [JsonPropertyName("hidden_size")] public int? HiddenSize { get; init; }
    [JsonPropertyName("intermediate_size")] public int? IntermediateSize { get; init; }
    [JsonPropertyName("num_attention_heads")] public int? Heads { get; init; }
    [JsonPropertyName("num_key_value_heads")] public int? KeyValueHeads { get; init; }
    [JsonPropertyName("position_encoding"), JsonConverter(typeof(JsonStringEnumConverter<PositionEncoding>))]
    public PositionEncoding? PositionEncoding { get; init; }

    /// <summary>The model config for a tokenizer of <paramref name="vocabSize"/> tokens and a training context.</summary>
    public ModelConfig ToModelConfig(int vocabSize, int contextLength, int? bosTokenId, int? eosTokenId)
    {
        var config = ModelPresets.ByName(Preset, vocabSize);
        int heads = Heads ?? config.NumAttentionHeads;
        return config with
        {
            NumHiddenLayers = Layers ?? config.NumHiddenLayers,
            HiddenSize = HiddenSize ?? config.HiddenSize,
            IntermediateSize = IntermediateSize ?? config.IntermediateSize,
            NumAttentionHeads = heads,
            NumKeyValueHeads = KeyValueHeads ?? (Heads is null ? config.NumKeyValueHeads : heads),
            HeadDim = null,
            PositionEncoding = PositionEncoding ?? config.PositionEncoding,
            MaxPositionEmbeddings = Math.Max(contextLength, 16),
            BosTokenId = bosTokenId,
            EosTokenIds = eosTokenId is int eos ? [eos] : [],
        };
    }
}

/// <summary>
/// A pretraining run: <c>strata pretrain --config run.json</c>, with any key overridden by a CLI flag.
/// Unknown keys are errors; the resolved config is saved with every checkpoint.
/// </summary>
public sealed record PretrainConfig
{
    /// <summary>Free text for people: what the run is for and the command that runs it.</summary>
    [JsonPropertyName("description")] public string? Description { get; init; }

    [JsonPropertyName("inputs")] public IReadOnlyList<string> Inputs { get; init; } = [];
    [JsonPropertyName("output")] public string Output { get; init; } = "models/base";

    /// <summary>An existing tokenizer.json; null trains a byte-level BPE of <see cref="VocabSize"/> on the inputs.</summary>
    [JsonPropertyName("tokenizer")] public string? Tokenizer { get; init; }
    /// <summary>
    /// More text the tokenizer (not the model) is trained on: formats the model will be tuned on later, such as tool
    /// calls' JSON, so they get merges of their own, as broad-mix tokenizers have them. Ignored with <see cref="Tokenizer"/>.
    /// </summary>
    [JsonPropertyName("tokenizer_inputs")] public IReadOnlyList<string> TokenizerInputs { get; init; } = [];
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 2048;
    [JsonPropertyName("validation_fraction")] public double ValidationFraction { get; init; } = 0.1;
    [JsonPropertyName("model")] public ModelShape Model { get; init; } = new();
    [JsonPropertyName("training")] public TrainingOptions Training { get; init; } = new();

    public static readonly JsonSerializerOptions SerializerOptions = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <exception cref="InvalidDataException">Malformed JSON or an unknown key; the message names the file.</exception>
    public static PretrainConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config not found", path);
        try
        {
            return JsonSerializer.Deserialize<PretrainConfig>(File.ReadAllText(path), SerializerOptions)
                ?? throw new InvalidDataException($"{path}: empty config");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public JsonNode ToJsonNode() => JsonSerializer.SerializeToNode(this, SerializerOptions)!;

    public void Validate()
    {
        if (Inputs.Count == 0) throw new ArgumentException("no inputs: give --input or \"inputs\" in the config");
        if (ValidationFraction is <= 0 or >= 1) throw new ArgumentException("validation_fraction must be in (0, 1)");
        if (Tokenizer is null && VocabSize < 260) throw new ArgumentException("vocab_size must be at least 260");
        Training.Validate();
    }
}
