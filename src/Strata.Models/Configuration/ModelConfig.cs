using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Strata.Models.Configuration;

/// <summary>How token positions enter attention.</summary>
public enum PositionEncoding
{
    /// <summary>Rotary embeddings (HF rotate-half convention), the Llama default.</summary>
    Rope,

    /// <summary>Attention with linear biases (Press et al.): no position embedding, runs at any length.</summary>
    Alibi,
}

/// <summary>
/// A decoder-only transformer in the Llama layout, read from and written to a Hugging Face
/// <c>config.json</c>. Keys keep their HF names so the file opens in <c>transformers</c>; Strata's own
/// additions use keys prefixed <c>strata_</c>, which HF ignores. Keys Strata does not use are kept and
/// written back unchanged.
/// </summary>
public sealed record ModelConfig
{
    public const string FileName = "config.json";

    [JsonPropertyName("architectures")] public IReadOnlyList<string> Architectures { get; init; } = ["LlamaForCausalLM"];
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "llama";
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 32000;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 4096;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 11008;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 32;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 32;

    /// <summary>Grouped-query attention: heads share K/V in groups. Absent in old configs, meaning one per head.</summary>
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; init; }

    /// <summary>Per-head width; absent means hidden_size / num_attention_heads.</summary>
    [JsonPropertyName("head_dim")] public int? HeadDim { get; init; }

    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;
    [JsonPropertyName("rope_scaling")] public RopeScaling? RopeScaling { get; init; }
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 2048;
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }

    /// <summary>Q/K/V projection biases (Qwen2 always has them; Llama has <c>attention_bias</c>).</summary>
    [JsonPropertyName("attention_bias")] public bool? AttentionBias { get; init; }

    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }

    /// <summary>One id or several (Llama 3.1 lists three); any of them ends generation.</summary>
    [JsonPropertyName("eos_token_id"), JsonConverter(typeof(IntOrIntArrayConverter))]
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; init; } = "float32";

    /// <summary>Strata extension: the position scheme. HF tools ignore this key.</summary>
    [JsonPropertyName("strata_position_encoding"), JsonConverter(typeof(LowercaseEnumConverter<PositionEncoding>))]
    public PositionEncoding PositionEncoding { get; init; } = PositionEncoding.Rope;

    /// <summary>Keys this record does not model, preserved on save.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    [JsonIgnore] public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;
    [JsonIgnore] public int HeadDimension => HeadDim ?? HiddenSize / NumAttentionHeads;
    [JsonIgnore] public bool HasAttentionBias => AttentionBias ?? Architectures.Contains("Qwen2ForCausalLM");

    /// <summary>
    /// The longest sequence (prompt + completion) the model accepts: <c>max_position_embeddings</c> for RoPE, unbounded
    /// (int.MaxValue) for ALiBi, which has no position table.
    /// </summary>
    [JsonIgnore] public int ContextLength => PositionEncoding == PositionEncoding.Alibi ? int.MaxValue : MaxPositionEmbeddings;

    /// <summary>Architectures whose weights and forward pass are the Llama layout this model implements.</summary>
    public static IReadOnlyList<string> SupportedArchitectures { get; } =
        ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"];

    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Reads <c>config.json</c> from a model directory or a file path and validates it.</summary>
    /// <exception cref="FileNotFoundException">No config.json.</exception>
    /// <exception cref="InvalidDataException">Malformed JSON, unsupported architecture or inconsistent sizes; the message names the file.</exception>
    public static ModelConfig Load(string directoryOrFile)
    {
        string path = Directory.Exists(directoryOrFile) ? Path.Combine(directoryOrFile, FileName) : directoryOrFile;
        var config = ConfigJson.Read<ModelConfig>(path, SerializerOptions);
        config.Validate(path);
        return config;
    }

    /// <summary>Writes <c>config.json</c> into <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, ToJson());
        File.Move(temporary, path, overwrite: true);
    }

    public string ToJson() => JsonSerializer.Serialize(this, SerializerOptions);

    /// <summary>Checks the configuration describes a model this implementation can run.</summary>
    /// <exception cref="InvalidDataException">Names <paramref name="source"/> and the offending key.</exception>
    public void Validate(string source = "config")
    {
        string? architecture = Architectures.FirstOrDefault(SupportedArchitectures.Contains);
        if (architecture is null)
        {
            throw new InvalidDataException(
                $"{source}: unsupported architecture [{string.Join(", ", Architectures)}]; Strata runs {string.Join(", ", SupportedArchitectures)}");
        }
        Require(VocabSize > 0, "vocab_size must be positive");
        Require(HiddenSize > 0, "hidden_size must be positive");
        Require(IntermediateSize > 0, "intermediate_size must be positive");
        Require(NumHiddenLayers > 0, "num_hidden_layers must be positive");
        Require(NumAttentionHeads > 0, "num_attention_heads must be positive");
        Require(KeyValueHeads > 0 && NumAttentionHeads % KeyValueHeads == 0,
            $"num_attention_heads ({NumAttentionHeads}) must be a multiple of num_key_value_heads ({KeyValueHeads})");
        Require(HeadDim is not null || HiddenSize % NumAttentionHeads == 0,
            $"hidden_size ({HiddenSize}) must be divisible by num_attention_heads ({NumAttentionHeads}) when head_dim is absent");
        Require(PositionEncoding != PositionEncoding.Rope || HeadDimension % 2 == 0, "head_dim must be even for RoPE");
        Require(HiddenAct is "silu" or "swish", $"hidden_act '{HiddenAct}' is not supported (SwiGLU needs silu)");
        Require(RmsNormEps > 0, "rms_norm_eps must be positive");
        Require(RopeTheta > 0, "rope_theta must be positive");
        RopeScaling?.Validate(source);

        void Require(bool condition, string message)
        {
            if (!condition) throw new InvalidDataException($"{source}: {message}");
        }
    }
}

/// <summary>Enums as lower-case strings ("rope", "alibi"), the style of HF config values.</summary>
internal sealed class LowercaseEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where T : struct, Enum;
