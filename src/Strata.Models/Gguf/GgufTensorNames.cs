using System.Globalization;
using System.Text.RegularExpressions;

namespace Strata.Models.Gguf;

/// <summary>
/// Tensor names between Hugging Face Llama/Qwen2 checkpoints and GGUF (llama.cpp's <c>LLM_TN</c> names), and the
/// row permutation llama.cpp's converter applies to the llama architecture's Q and K projections.
/// </summary>
/// <remarks>
/// Shapes: GGUF lists dimensions fastest-first, so an HF weight of shape (out, in) is a GGUF tensor with
/// ne = [in, out]; the bytes are the same row-major layout.
/// </remarks>
public static partial class GgufTensorNames
{
    /// <summary>llama.cpp's llama3 RoPE frequency factors; no HF tensor corresponds.</summary>
    public const string RopeFrequencies = "rope_freqs.weight";

    private static readonly (string Hf, string Gguf)[] Global =
    [
        ("model.embed_tokens.weight", "token_embd.weight"),
        ("model.norm.weight", "output_norm.weight"),
        ("lm_head.weight", "output.weight"),
    ];

    private static readonly (string Hf, string Gguf)[] PerLayer =
    [
        ("input_layernorm.weight", "attn_norm.weight"),
        ("post_attention_layernorm.weight", "ffn_norm.weight"),
        ("self_attn.q_proj.weight", "attn_q.weight"),
        ("self_attn.k_proj.weight", "attn_k.weight"),
        ("self_attn.v_proj.weight", "attn_v.weight"),
        ("self_attn.o_proj.weight", "attn_output.weight"),
        ("self_attn.q_proj.bias", "attn_q.bias"),
        ("self_attn.k_proj.bias", "attn_k.bias"),
        ("self_attn.v_proj.bias", "attn_v.bias"),
        ("self_attn.o_proj.bias", "attn_output.bias"),
        ("mlp.gate_proj.weight", "ffn_gate.weight"),
        ("mlp.up_proj.weight", "ffn_up.weight"),
        ("mlp.down_proj.weight", "ffn_down.weight"),
    ];

    [GeneratedRegex(@"^model\.layers\.(\d+)\.(.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex HfLayer();

    [GeneratedRegex(@"^blk\.(\d+)\.(.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex GgufLayer();

    /// <summary>The GGUF name of an HF tensor, or null for a name with no GGUF counterpart (e.g. <c>rotary_emb.inv_freq</c>).</summary>
    public static string? ToGguf(string huggingFaceName)
    {
        foreach (var (hf, gguf) in Global)
            if (hf == huggingFaceName) return gguf;
        var match = HfLayer().Match(huggingFaceName);
        if (!match.Success) return null;
        foreach (var (hf, gguf) in PerLayer)
            if (hf == match.Groups[2].Value) return $"blk.{match.Groups[1].Value}.{gguf}";
        return null;
    }

    /// <summary>The HF name of a GGUF tensor, or null for one with no HF counterpart (<see cref="RopeFrequencies"/>).</summary>
    public static string? ToHuggingFace(string ggufName)
    {
        foreach (var (hf, gguf) in Global)
            if (gguf == ggufName) return hf;
        var match = GgufLayer().Match(ggufName);
        if (!match.Success) return null;
        foreach (var (hf, gguf) in PerLayer)
            if (gguf == match.Groups[2].Value) return $"model.layers.{match.Groups[1].Value}.{hf}";
        return null;
    }

    /// <summary>The layer of a <c>blk.N.*</c> name, or null.</summary>
    public static int? LayerOf(string ggufName)
    {
        var match = GgufLayer().Match(ggufName);
        return match.Success ? int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// True for the tensors convert_hf_to_gguf.py permutes for the llama architecture: the Q and K projection weights
    /// and biases. Qwen2 files are not permuted.
    /// </summary>
    public static bool IsRopePermuted(string ggufName) =>
        ggufName.EndsWith(".attn_q.weight", StringComparison.Ordinal) || ggufName.EndsWith(".attn_q.bias", StringComparison.Ordinal)
        || ggufName.EndsWith(".attn_k.weight", StringComparison.Ordinal) || ggufName.EndsWith(".attn_k.bias", StringComparison.Ordinal);

    /// <summary>
    /// Where HF row <paramref name="row"/> of a Q (heads = attention heads) or K (heads = key/value heads) projection
    /// goes in a llama GGUF. convert_hf_to_gguf.py reshapes each head's rows from (2, d/2) to (d/2, 2), turning HF's
    /// rotate-half pairs (i, i + d/2) into adjacent rows (2i, 2i + 1), the pairs llama.cpp's RoPE rotates.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="rows"/> is not heads × an even head size, or the row is outside it.</exception>
    public static int ToGgufRow(int row, int heads, int rows)
    {
        int headSize = HeadSize(row, heads, rows);
        int head = row / headSize, within = row % headSize, half = headSize / 2;
        return head * headSize + 2 * (within % half) + within / half;
    }

    /// <summary>The inverse of <see cref="ToGgufRow"/>: the HF row stored at GGUF row <paramref name="row"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="rows"/> is not heads × an even head size, or the row is outside it.</exception>
    public static int ToHuggingFaceRow(int row, int heads, int rows)
    {
        int headSize = HeadSize(row, heads, rows);
        int head = row / headSize, within = row % headSize, half = headSize / 2;
        return head * headSize + (within % 2) * half + within / 2;
    }

    private static int HeadSize(int row, int heads, int rows)
    {
        if (heads <= 0 || rows % heads != 0 || rows / heads % 2 != 0)
            throw new ArgumentException($"{rows} rows do not split into {heads} heads of an even size", nameof(rows));
        if (row < 0 || row >= rows) throw new ArgumentException($"row {row} is outside 0..{rows - 1}", nameof(row));
        return rows / heads;
    }
}
