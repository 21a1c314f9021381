using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Strata.Models.Encoders;

/// <summary>What an encoder checkpoint computes.</summary>
public enum EncoderHead
{
    /// <summary>Token states pooled into one vector per text (bge, e5, MiniLM sentence-transformers models).</summary>
    Embedding,

    /// <summary>A pooled [CLS] state through a linear classifier: cross-encoder rerankers (one label) and text classifiers.</summary>
    SequenceClassification,
}

/// <summary>
/// A BERT-family encoder, read from and written to a Hugging Face <c>config.json</c> (transformers' <c>BertConfig</c>
/// keys). Keys Strata does not use are kept and written back unchanged.
/// </summary>
public sealed record EncoderConfig
{
    public const string FileName = "config.json";

    [JsonPropertyName("architectures")] public IReadOnlyList<string> Architectures { get; init; } = ["BertModel"];
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "bert";
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 30522;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 768;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 12;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 12;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 3072;

    /// <summary><c>gelu</c> (erf), or the tanh approximation as <c>gelu_new</c> / <c>gelu_pytorch_tanh</c>.</summary>
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "gelu";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 512;
    [JsonPropertyName("type_vocab_size")] public int TypeVocabSize { get; init; } = 2;
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; init; } = 1e-12;
    [JsonPropertyName("pad_token_id")] public int PadTokenId { get; init; }
    [JsonPropertyName("position_embedding_type")] public string PositionEmbeddingType { get; init; } = "absolute";

    /// <summary>Class names of a classifier by index (<c>{"0": "LABEL_0"}</c> for a one-logit cross-encoder).</summary>
    [JsonPropertyName("id2label")] public IReadOnlyDictionary<string, string>? IdToLabel { get; init; }

    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; init; } = "float32";

    /// <summary>Keys this record does not model, preserved on save.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    [JsonIgnore]
    public EncoderHead Head =>
        Architectures.Contains("BertForSequenceClassification") ? EncoderHead.SequenceClassification : EncoderHead.Embedding;

    /// <summary>Classifier outputs: the number of labels (1 for a cross-encoder reranker).</summary>
    [JsonIgnore] public int LabelCount => IdToLabel is { Count: > 0 } labels ? labels.Count : 2;

    /// <summary>Label names in index order.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Labels =>
        Enumerable.Range(0, LabelCount).Select(i => IdToLabel?.GetValueOrDefault(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) ?? $"LABEL_{i}").ToArray();

    [JsonIgnore] public int HeadDimension => HiddenSize / NumAttentionHeads;

    /// <summary>Whether the FFN activation is GELU's tanh approximation rather than the exact (erf) one.</summary>
    [JsonIgnore] public bool TanhGelu => HiddenAct is "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast";

    /// <summary>Model types whose weights and forward pass are the BERT layout implemented here.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["bert"];

    private static readonly JsonSerializerOptions SerializerOptions = new() { WriteIndented = true };

    /// <summary>Whether <paramref name="directory"/>'s config.json describes an encoder (so it opens here, not as a Llama).</summary>
    public static bool Describes(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!Directory.Exists(directory) || !File.Exists(path)) return false;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["model_type"]?.GetValue<string>() is string type
                && SupportedModelTypes.Contains(type);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Reads and validates <c>config.json</c> of a model folder.</summary>
    /// <exception cref="InvalidDataException">Malformed JSON, another architecture or inconsistent sizes; the message names the file.</exception>
    public static EncoderConfig Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        var config = Configuration.ConfigJson.Read<EncoderConfig>(path, SerializerOptions);
        config.Validate(path);
        return config;
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, SerializerOptions));
    }

    /// <exception cref="InvalidDataException">Names <paramref name="source"/> and the offending key.</exception>
    public void Validate(string source = "config")
    {
        Require(SupportedModelTypes.Contains(ModelType), $"model_type '{ModelType}' is not an encoder Strata runs ({string.Join(", ", SupportedModelTypes)})");
        Require(VocabSize > 0 && HiddenSize > 0 && IntermediateSize > 0 && NumHiddenLayers > 0 && TypeVocabSize > 0 && MaxPositionEmbeddings > 0,
            "vocab_size, hidden_size, intermediate_size, num_hidden_layers, type_vocab_size and max_position_embeddings must be positive");
        Require(NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads == 0,
            $"hidden_size ({HiddenSize}) must be divisible by num_attention_heads ({NumAttentionHeads})");
        Require(HiddenAct is "gelu" or "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast", $"hidden_act '{HiddenAct}' is not supported (gelu, gelu_new)");
        Require(PositionEmbeddingType == "absolute", $"position_embedding_type '{PositionEmbeddingType}' is not supported (absolute)");
        Require(LayerNormEps > 0, "layer_norm_eps must be positive");

        void Require(bool condition, string message)
        {
            if (!condition) throw new InvalidDataException($"{source}: {message}");
        }
    }
}
