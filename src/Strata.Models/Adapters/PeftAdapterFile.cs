using System.Runtime.InteropServices;
using Strata.Models.Checkpoints;
using Strata.Models.Configuration;
using Strata.Models.Quantization;

namespace Strata.Models.Adapters;

/// <summary>One update of a PEFT adapter file as floats: A [r, in] and B [out, r], row-major.</summary>
public sealed record LoraUpdate(int Layer, string Target, float[] A, float[] B);

/// <summary>The embedding's update as floats: A [r, vocab] and B [hidden, r], row-major; ΔE = scale·(B·A)ᵀ.</summary>
public sealed record EmbeddingLoraUpdate(float[] A, float[] B);

/// <summary>
/// Reads a PEFT LoRA adapter folder for a base model of a given shape, without TorchSharp (the native runtime reads
/// adapters too): <c>adapter_config.json</c> and every update of <c>adapter_model.safetensors</c> (F32, F16 or BF16),
/// checked against the shapes the base model implies. The one place that knows PEFT's tensor names.
/// </summary>
public static class PeftAdapterFile
{
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>PEFT's key for one of the two matrices of an update.</summary>
    public static string Key(int layer, string target, char matrix) =>
        $"base_model.model.model.layers.{layer}.{Block(target)}.{target}.lora_{matrix}.weight";

    /// <summary>PEFT's key for one of the embedding update's two matrices (parameters, so no <c>.weight</c> suffix).</summary>
    public static string EmbeddingKey(char matrix) => $"base_model.model.model.embed_tokens.lora_embedding_{matrix}";

    /// <summary>The HF name of the base weight an update adds to.</summary>
    public static string BaseWeightName(int layer, string target) => $"model.layers.{layer}.{Block(target)}.{target}.weight";

    /// <summary>(in, out) features of <paramref name="target"/> in a model of <paramref name="model"/>'s shape.</summary>
    public static (int In, int Out) Shape(ModelConfig model, string target)
    {
        int queryWidth = model.NumAttentionHeads * model.HeadDimension, keyWidth = model.KeyValueHeads * model.HeadDimension;
        return target switch
        {
            "q_proj" => (model.HiddenSize, queryWidth),
            "k_proj" or "v_proj" => (model.HiddenSize, keyWidth),
            "o_proj" => (queryWidth, model.HiddenSize),
            "gate_proj" or "up_proj" => (model.HiddenSize, model.IntermediateSize),
            "down_proj" => (model.IntermediateSize, model.HiddenSize),
            _ => throw new ArgumentException($"unknown target module '{target}'", nameof(target)),
        };
    }

    /// <summary>Reads the adapter's settings and updates.</summary>
    /// <exception cref="InvalidDataException">The adapter does not fit the base (another model's adapter), misses or adds tensors; the message names the file and tensor.</exception>
    public static (LoraConfig Config, IReadOnlyList<LoraUpdate> Updates, EmbeddingLoraUpdate? Embedding) Read(string directory, ModelConfig model)
    {
        var config = LoraConfig.Load(directory);
        var (updates, embedding) = ReadAll(directory, model, config);
        return (config, updates, embedding);
    }

    /// <summary>The updates of an adapter folder whose settings are <paramref name="config"/>.</summary>
    public static IReadOnlyList<LoraUpdate> ReadUpdates(string directory, ModelConfig model, LoraConfig config) =>
        ReadAll(directory, model, config).Updates;

    /// <summary>The embedding's update of an adapter folder whose settings adapt <c>embed_tokens</c>.</summary>
    public static EmbeddingLoraUpdate ReadEmbedding(string directory, ModelConfig model, LoraConfig config) =>
        ReadAll(directory, model, config).Embedding ?? throw new InvalidOperationException("target_modules does not name embed_tokens");

    private static (IReadOnlyList<LoraUpdate> Updates, EmbeddingLoraUpdate? Embedding) ReadAll(string directory, ModelConfig model, LoraConfig config)
    {
        string path = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found", path);
        using var file = SafeTensorsFile.Open(path);
        // PEFT writes keys without the adapter name; some tools keep ".default".
        var names = file.Tensors.Keys.ToDictionary(k => k.Replace(".lora_A.default.weight", ".lora_A.weight").Replace(".lora_B.default.weight", ".lora_B.weight")
            .Replace(".lora_embedding_A.default", ".lora_embedding_A").Replace(".lora_embedding_B.default", ".lora_embedding_B"), k => k);
        var expected = new HashSet<string>();
        unsafe float[] Matrix(string key, string target, long rows, long columns)
        {
            expected.Add(key);
            if (!names.TryGetValue(key, out string? stored)) throw new InvalidDataException($"{path}: tensor '{key}' is missing (target_modules names {target})");
            var info = file.Info(stored);
            if (!info.Shape.SequenceEqual([rows, columns]))
            {
                throw new InvalidDataException($"{path}: tensor '{key}' has shape [{string.Join(", ", info.Shape)}], a base model with this config needs "
                    + $"[{rows}, {columns}]: the adapter was trained for another base model");
            }
            var type = info.DType switch
            {
                SafeTensorDType.F32 => GgmlType.F32,
                SafeTensorDType.F16 => GgmlType.F16,
                SafeTensorDType.BF16 => GgmlType.BF16,
                _ => throw new InvalidDataException($"{path}: tensor '{key}' is {info.DType}; adapters are read in F32, F16 or BF16"),
            };
            var values = new float[rows * columns];
            Quantizer.DequantizeRow(type, new ReadOnlySpan<byte>(file.Pointer(stored), checked((int)info.Length)), values);
            return values;
        }
        var updates = new List<LoraUpdate>();
        for (int layer = 0; layer < model.NumHiddenLayers; layer++)
        {
            foreach (string target in config.LayerTargets)
            {
                var (inFeatures, outFeatures) = Shape(model, target);
                updates.Add(new LoraUpdate(layer, target,
                    Matrix(Key(layer, target, 'A'), target, config.Rank, inFeatures), Matrix(Key(layer, target, 'B'), target, outFeatures, config.Rank)));
            }
        }
        var embedding = config.AdaptsEmbedding
            ? new EmbeddingLoraUpdate(Matrix(EmbeddingKey('A'), LoraConfig.EmbeddingTarget, config.Rank, model.VocabSize),
                Matrix(EmbeddingKey('B'), LoraConfig.EmbeddingTarget, model.HiddenSize, config.Rank))
            : null;
        if (names.Keys.FirstOrDefault(k => !expected.Contains(k)) is { } extra)
        {
            throw new InvalidDataException($"{path}: unexpected tensor '{extra}' (layers beyond the base model's {model.NumHiddenLayers}, or a module outside target_modules)");
        }
        return (updates, embedding);
    }

    private static string Block(string target) => target is "gate_proj" or "up_proj" or "down_proj" ? "mlp" : "self_attn";
}
