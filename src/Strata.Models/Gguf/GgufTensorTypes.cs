using Strata.Models.Quantization;

namespace Strata.Models.Gguf;

/// <summary>
/// Which ggml type each tensor of a llama/qwen2 model gets for a <see cref="GgufFileType"/>: llama.cpp's
/// <c>llama_tensor_get_type</c> (src/llama-quant.cpp) for the file types Strata writes, without importance matrix,
/// overrides or MoE rules.
/// </summary>
/// <remarks>
/// - Only tensors of 2+ dimensions whose name ends in "weight" are converted; the rest (norms, biases,
///   rope_freqs) keep their type: float32, as convert_hf_to_gguf.py stores them.
/// - F32/F16/BF16 files convert every such tensor to that type.
/// - For quantized files, <c>output.weight</c> (or <c>token_embd.weight</c> when the embedding is tied, i.e. there is
///   no output.weight) becomes Q6_K, unless the file type is Q8_0 (kept) or its rows are not a multiple of the
///   default type's block (Q8_0).
/// - Q4_K_M and Q5_K_M: attn_v and ffn_down of layers where <c>use_more_bits</c> holds (the first and last eighth,
///   and every third layer between) become Q6_K; in a 70B-type model (80 layers with grouped K/V) the other attn_v
///   tensors become Q5_K (qwen2 with 80 layers is that type too).
/// - A row length that is not a multiple of the chosen type's block falls back: Q4_K → Q5_0, Q5_K → Q5_1,
///   Q6_K → Q8_0, and to F16 if even that does not fit (SmolLM2-135M's 576-wide rows get Q5_0 and Q8_0).
/// </remarks>
public static class GgufTensorTypes
{
    /// <summary>Chooses the type of every tensor. <paramref name="tensors"/>: GGUF names with GGUF-order dimensions.</summary>
    /// <exception cref="NotSupportedException">A file type Strata does not write, a model with no GGUF mapping, or a
    /// tensor whose rows fit no fallback; the message names the tensor.</exception>
    /// <param name="sourceType">The type a tensor is stored as now; tensors that are not converted keep it (default: F32,
    /// as convert_hf_to_gguf.py stores norms and biases).</param>
    public static IReadOnlyDictionary<string, GgmlType> Choose(GgufFileType fileType, IReadOnlyList<(string Name, IReadOnlyList<long> Dimensions)> tensors,
        Configuration.ModelConfig config, Func<string, GgmlType?>? sourceType = null)
    {
        var defaultType = GgufFileTypes.DefaultTensorType(fileType);
        bool tied = !tensors.Any(t => t.Name == "output.weight");
        int layers = config.NumHiddenLayers;
        // llama.cpp's LLM_TYPE_70B: 80 layers, for llama only with grouped K/V (else it is the 65B type).
        bool seventyB = layers == 80 && (GgufArchitecture.ArchitectureOf(config) == "qwen2" || config.KeyValueHeads != config.NumAttentionHeads);
        var result = new Dictionary<string, GgmlType>(StringComparer.Ordinal);
        foreach (var (name, dimensions) in tensors)
        {
            GgmlType type;
            if (!AllowsQuantization(name, dimensions)) type = sourceType?.Invoke(name) ?? GgmlType.F32;
            else if (defaultType is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16) type = defaultType;
            else type = Fallback(name, dimensions[0], ForTensor(name, dimensions[0], defaultType, fileType, tied, layers, seventyB));
            result[name] = type;
        }
        return result;
    }

    /// <summary>llama.cpp's <c>use_more_bits</c>: the first and last eighth of the layers, and every third one between.</summary>
    public static bool UseMoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    private static bool AllowsQuantization(string name, IReadOnlyList<long> dimensions) =>
        dimensions.Count >= 2 && name.EndsWith("weight", StringComparison.Ordinal) && !name.Contains("_norm.weight", StringComparison.Ordinal);

    private static GgmlType ForTensor(string name, long columns, GgmlType type, GgufFileType fileType, bool tied, int layers, bool seventyB)
    {
        if (name == "output.weight" || (tied && name == "token_embd.weight"))
        {
            if (columns % GgmlTypes.BlockSize(type) != 0) return GgmlType.Q8_0;
            return type == GgmlType.Q8_0 ? type : GgmlType.Q6_K;
        }
        bool moreBitsMix = fileType is GgufFileType.MostlyQ4_K_M or GgufFileType.MostlyQ5_K_M;
        int layer = GgufTensorNames.LayerOf(name) ?? 0;
        // llama.cpp counts attn_v and ffn_down tensors in layer order; with one of each per layer the count is the layer.
        if (name.EndsWith(".attn_v.weight", StringComparison.Ordinal))
        {
            if (moreBitsMix && UseMoreBits(layer, layers)) type = GgmlType.Q6_K;
            if (seventyB && type is GgmlType.Q3_K or GgmlType.Q4_K) type = GgmlType.Q5_K;
            return type;
        }
        if (name.EndsWith(".ffn_down.weight", StringComparison.Ordinal) && moreBitsMix && UseMoreBits(layer, layers)) return GgmlType.Q6_K;
        return type;
    }

    private static GgmlType Fallback(string name, long columns, GgmlType type)
    {
        if (columns % GgmlTypes.BlockSize(type) == 0) return type;
        var fallback = type switch
        {
            GgmlType.Q4_K => GgmlType.Q5_0,
            GgmlType.Q5_K => GgmlType.Q5_1,
            GgmlType.Q6_K => GgmlType.Q8_0,
            _ => throw new NotSupportedException(
                $"tensor '{name}': rows of {columns} elements are not a multiple of {GgmlTypes.Name(type)}'s block size {GgmlTypes.BlockSize(type)}, and llama.cpp defines no fallback for it (f32, f16 and bf16 hold any row length)"),
        };
        return columns % GgmlTypes.BlockSize(fallback) == 0 ? fallback : GgmlType.F16;
    }
}
