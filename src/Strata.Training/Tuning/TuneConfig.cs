using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Strata.Models.Adapters;
using Strata.Training.Distillation;
using Strata.Training.Loop;

namespace Strata.Training.Tuning;

/// <summary>Which layer of the stack a tuning run builds.</summary>
public enum TuneStage
{
    /// <summary>Single-turn instructions: only the first exchange of each conversation is used.</summary>
    Command,

    /// <summary>Multi-turn conversations, whole.</summary>
    Dialogue,
}

/// <summary>A tuning run: <c>strata tune --stage command|dialogue --model BASE --data FILE…</c>.</summary>
public sealed record TuneConfig
{
    [JsonPropertyName("stage"), JsonConverter(typeof(JsonStringEnumConverter<TuneStage>))]
    public TuneStage Stage { get; init; } = TuneStage.Command;

    /// <summary>The model to start from: a base model for command tuning, a command model for dialogue tuning.</summary>
    [JsonPropertyName("model")] public string Model { get; init; } = "models/base";

    /// <summary>JSONL (messages, Alpaca or ShareGPT records) or JSON arrays of conversations.</summary>
    [JsonPropertyName("inputs")] public IReadOnlyList<string> Inputs { get; init; } = [];
    [JsonPropertyName("output")] public string Output { get; init; } = "models/command";

    /// <summary>Every n-th conversation is held out for validation (n = round(1 / fraction)).</summary>
    [JsonPropertyName("validation_fraction")] public double ValidationFraction { get; init; } = 0.05;

    /// <summary>Pack several conversations per row (block-diagonal attention keeps them apart).</summary>
    [JsonPropertyName("pack")] public bool Pack { get; init; } = true;

    /// <summary>Train a LoRA adapter (PEFT's settings) over the frozen model instead of every weight; null = full tuning.</summary>
    [JsonPropertyName("lora")] public LoraConfig? Lora { get; init; }

    /// <summary>
    /// LoRA+: lora_B learns at this multiple of the learning rate, lora_A at the rate itself (Axolotl's and PEFT's
    /// <c>loraplus_lr_ratio</c>; 16 is the paper's choice). 1 = plain LoRA. A training setting, not part of the adapter.
    /// </summary>
    [JsonPropertyName("loraplus_lr_ratio")] public double LoraPlusRatio { get; init; } = 1;

    /// <summary>
    /// The learning rate of an adapted embedding (<c>embed_tokens</c> in the targets) as a multiple of the run's. PEFT's
    /// embedding update starts with B standard normal, so it needs a far smaller rate than the projections' (LoRA+ gives
    /// it 1e-6 outright).
    /// </summary>
    [JsonPropertyName("lora_embedding_lr_ratio")] public double LoraEmbeddingRatio { get; init; } = 0.01;

    /// <summary>
    /// The frozen base's dtype in memory under a LoRA adapter: float32 (default), bfloat16 or float16. Half precision
    /// halves the base's memory (QLoRA's idea, without its 4-bit storage); the adapter still trains in float32.
    /// </summary>
    [JsonPropertyName("base_dtype")] public string BaseDtype { get; init; } = "float32";

    /// <summary>Token-level distillation from a teacher with the same tokenizer; null = the data's answers alone.</summary>
    [JsonPropertyName("distill")] public TokenDistillationConfig? Distill { get; init; }

    [JsonPropertyName("training")]
    public TrainingOptions Training { get; init; } = new()
    {
        MaxSteps = 300,
        BatchSize = 8,
        ContextLength = 256,
        LearningRate = 5e-4,
        MinLearningRate = 5e-5,
        WarmupSteps = 20,
        EvalInterval = 100,
        CheckpointInterval = 100,
        WeightDecay = 0.0,
    };

    public static readonly JsonSerializerOptions SerializerOptions = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static TuneConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config not found", path);
        try
        {
            return JsonSerializer.Deserialize<TuneConfig>(File.ReadAllText(path), SerializerOptions) ?? throw new InvalidDataException($"{path}: empty config");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    [JsonIgnore]
    public TorchSharp.torch.ScalarType BaseScalarType => BaseDtype switch
    {
        "float32" => TorchSharp.torch.ScalarType.Float32,
        "bfloat16" or "bf16" => TorchSharp.torch.ScalarType.BFloat16,
        "float16" or "f16" => TorchSharp.torch.ScalarType.Float16,
        _ => throw new ArgumentException($"base_dtype (--base-dtype) '{BaseDtype}' is not float32, bfloat16 or float16"),
    };

    public JsonNode ToJsonNode() => JsonSerializer.SerializeToNode(this, SerializerOptions)!;

    public void Validate()
    {
        if (Inputs.Count == 0) throw new ArgumentException("no conversation data: give --data or \"inputs\"");
        if (ValidationFraction is <= 0 or >= 0.5) throw new ArgumentException("validation_fraction must be in (0, 0.5)");
        if (!Directory.Exists(Model)) throw new DirectoryNotFoundException($"{Model}: model directory not found");
        Lora?.Validate();
        if (!(LoraPlusRatio > 0)) throw new ArgumentException($"loraplus_lr_ratio (--loraplus-lr-ratio) must be positive, not {LoraPlusRatio}");
        if (!(LoraEmbeddingRatio > 0)) throw new ArgumentException($"lora_embedding_lr_ratio (--lora-embedding-lr-ratio) must be positive, not {LoraEmbeddingRatio}");
        if (LoraPlusRatio != 1 && Lora is null) throw new ArgumentException("loraplus_lr_ratio (--loraplus-lr-ratio) needs --lora");
        var dtype = BaseScalarType; // validates the name
        if (dtype != TorchSharp.torch.ScalarType.Float32 && Lora is null)
        {
            throw new ArgumentException($"base_dtype (--base-dtype) {BaseDtype} needs --lora: full tuning keeps float32 weights (its updates are too small for {BaseDtype})");
        }
        Distill?.Validate();
        Training.Validate();
    }
}
