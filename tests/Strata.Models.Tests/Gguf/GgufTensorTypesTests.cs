using Strata.Models.Configuration;
using Strata.Models.Gguf;
using Strata.Models.Quantization;

namespace Strata.Models.Tests.Gguf;

/// <summary>Per-tensor types against llama.cpp's rules (src/llama-quant.cpp), worked out by hand for real shapes.</summary>
public class GgufTensorTypesTests
{
    private static List<(string Name, IReadOnlyList<long> Dimensions)> Tensors(ModelConfig c)
    {
        int kv = c.KeyValueHeads * c.HeadDimension, q = c.NumAttentionHeads * c.HeadDimension;
        var list = new List<(string, IReadOnlyList<long>)> { ("token_embd.weight", [c.HiddenSize, c.VocabSize]), ("output_norm.weight", [c.HiddenSize]) };
        if (!c.TieWordEmbeddings) list.Add(("output.weight", [c.HiddenSize, c.VocabSize]));
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            list.Add(($"blk.{i}.attn_norm.weight", [c.HiddenSize]));
            list.Add(($"blk.{i}.attn_q.weight", [c.HiddenSize, q]));
            list.Add(($"blk.{i}.attn_k.weight", [c.HiddenSize, kv]));
            list.Add(($"blk.{i}.attn_v.weight", [c.HiddenSize, kv]));
            list.Add(($"blk.{i}.attn_output.weight", [q, c.HiddenSize]));
            list.Add(($"blk.{i}.ffn_norm.weight", [c.HiddenSize]));
            list.Add(($"blk.{i}.ffn_gate.weight", [c.HiddenSize, c.IntermediateSize]));
            list.Add(($"blk.{i}.ffn_up.weight", [c.HiddenSize, c.IntermediateSize]));
            list.Add(($"blk.{i}.ffn_down.weight", [c.IntermediateSize, c.HiddenSize]));
            if (c.HasAttentionBias) list.Add(($"blk.{i}.attn_q.bias", [q]));
        }
        return list;
    }

    [Fact]
    public void SmolLM2Q4KMUsesQ5_0AndQ8_0WhereRowsOf576DoNotFit256()
    {
        var config = ModelPresets.SmolLM2_135M;
        var types = GgufTensorTypes.Choose(GgufFileType.MostlyQ4_K_M, Tensors(config), config);
        // use_more_bits over 30 layers: i < 3, i >= 26, or (i − 3) % 3 == 2.
        int[] moreBits = [0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 27, 28, 29];
        Assert.Equal(GgmlType.Q8_0, types["token_embd.weight"]); // tied: Q6_K, but 576 % 256 != 0
        Assert.Equal(GgmlType.F32, types["output_norm.weight"]);
        for (int i = 0; i < 30; i++)
        {
            bool more = moreBits.Contains(i);
            Assert.Equal(GgmlType.Q5_0, types[$"blk.{i}.attn_q.weight"]);
            Assert.Equal(GgmlType.Q5_0, types[$"blk.{i}.attn_k.weight"]);
            Assert.Equal(more ? GgmlType.Q8_0 : GgmlType.Q5_0, types[$"blk.{i}.attn_v.weight"]);
            Assert.Equal(GgmlType.Q5_0, types[$"blk.{i}.attn_output.weight"]);
            Assert.Equal(GgmlType.Q5_0, types[$"blk.{i}.ffn_gate.weight"]);
            Assert.Equal(GgmlType.Q5_0, types[$"blk.{i}.ffn_up.weight"]);
            Assert.Equal(more ? GgmlType.Q6_K : GgmlType.Q4_K, types[$"blk.{i}.ffn_down.weight"]); // rows of 1536 fit
            Assert.Equal(GgmlType.F32, types[$"blk.{i}.attn_norm.weight"]);
        }
    }

    [Fact]
    public void Llama32Q4KMKeepsTheTiedEmbeddingAtQ6K()
    {
        var config = ModelPresets.Llama32_1B;
        var types = GgufTensorTypes.Choose(GgufFileType.MostlyQ4_K_M, Tensors(config), config);
        int[] moreBits = [0, 1, 4, 7, 10, 13, 14, 15]; // 16 layers: i < 2, i >= 14, (i − 2) % 3 == 2
        Assert.Equal(GgmlType.Q6_K, types["token_embd.weight"]);
        for (int i = 0; i < 16; i++)
        {
            var expected = moreBits.Contains(i) ? GgmlType.Q6_K : GgmlType.Q4_K;
            Assert.Equal(expected, types[$"blk.{i}.attn_v.weight"]);
            Assert.Equal(expected, types[$"blk.{i}.ffn_down.weight"]);
            Assert.Equal(GgmlType.Q4_K, types[$"blk.{i}.attn_q.weight"]);
            Assert.Equal(GgmlType.Q4_K, types[$"blk.{i}.ffn_up.weight"]);
        }
    }

    [Fact]
    public void Q8_0AndFloatFilesConvertEveryMatrix()
    {
        var config = ModelPresets.Llama32_1B with { TieWordEmbeddings = false };
        var q8 = GgufTensorTypes.Choose(GgufFileType.MostlyQ8_0, Tensors(config), config);
        Assert.All(Tensors(config), t => Assert.Equal(t.Dimensions.Count == 2 ? GgmlType.Q8_0 : GgmlType.F32, q8[t.Name]));
        var f16 = GgufTensorTypes.Choose(GgufFileType.MostlyF16, Tensors(config), config);
        Assert.All(Tensors(config), t => Assert.Equal(t.Dimensions.Count == 2 ? GgmlType.F16 : GgmlType.F32, f16[t.Name]));
        var bf16 = GgufTensorTypes.Choose(GgufFileType.MostlyBF16, Tensors(config), config);
        Assert.Equal(GgmlType.BF16, bf16["output.weight"]);
    }

    [Fact]
    public void Q4_0PromotesOnlyTheOutputMatrix()
    {
        var untied = ModelPresets.Llama32_1B with { TieWordEmbeddings = false };
        var types = GgufTensorTypes.Choose(GgufFileType.MostlyQ4_0, Tensors(untied), untied);
        Assert.Equal(GgmlType.Q4_0, types["token_embd.weight"]);
        Assert.Equal(GgmlType.Q6_K, types["output.weight"]);
        Assert.Equal(GgmlType.Q4_0, types["blk.0.ffn_down.weight"]);
        Assert.Equal(GgmlType.Q4_0, types["blk.0.attn_v.weight"]);
        var tied = GgufTensorTypes.Choose(GgufFileType.MostlyQ4_0, Tensors(ModelPresets.Llama32_1B), ModelPresets.Llama32_1B);
        Assert.Equal(GgmlType.Q6_K, tied["token_embd.weight"]);
    }

    [Fact]
    public void BiasesStayFloat32()
    {
        var config = ModelPresets.Qwen25_05B;
        var types = GgufTensorTypes.Choose(GgufFileType.MostlyQ8_0, Tensors(config), config);
        Assert.Equal(GgmlType.F32, types["blk.0.attn_q.bias"]);
    }

    [Fact]
    public void RowsThatFitNoBlockAreRefusedNamingTheTensor()
    {
        var config = ModelPresets.Tiny(100) with { HiddenSize = 48, NumAttentionHeads = 4, NumKeyValueHeads = 4 };
        // The tied embedding comes first: Q8_0 (48 % 256 != 0), which has no fallback in llama.cpp.
        var e = Assert.Throws<NotSupportedException>(() => GgufTensorTypes.Choose(GgufFileType.MostlyQ4_0, Tensors(config), config));
        Assert.Contains("token_embd.weight", e.Message);
        Assert.Contains("48", e.Message);
        // K-quants fall back twice: a row of 48 fits neither 256 nor Q5_0's 32, so F16.
        var k = GgufTensorTypes.Choose(GgufFileType.MostlyQ4_K_M,
            [("output.weight", [64, 100]), ("blk.0.attn_q.weight", [48, 64])], config);
        Assert.Equal(GgmlType.F16, k["blk.0.attn_q.weight"]);
    }

    [Theory]
    [InlineData(0, 30, true)]
    [InlineData(3, 30, false)]
    [InlineData(5, 30, true)]
    [InlineData(6, 30, false)]
    [InlineData(25, 30, false)]
    [InlineData(26, 30, true)]
    public void UseMoreBitsMatchesLlamaCpp(int layer, int layers, bool expected) =>
        Assert.Equal(expected, GgufTensorTypes.UseMoreBits(layer, layers));
}
