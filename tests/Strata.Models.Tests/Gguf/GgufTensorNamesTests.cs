using Strata.Models.Gguf;

namespace Strata.Models.Tests.Gguf;

public class GgufTensorNamesTests
{
    [Theory]
    [InlineData("model.embed_tokens.weight", "token_embd.weight")]
    [InlineData("model.norm.weight", "output_norm.weight")]
    [InlineData("lm_head.weight", "output.weight")]
    [InlineData("model.layers.0.input_layernorm.weight", "blk.0.attn_norm.weight")]
    [InlineData("model.layers.11.post_attention_layernorm.weight", "blk.11.ffn_norm.weight")]
    [InlineData("model.layers.3.self_attn.q_proj.weight", "blk.3.attn_q.weight")]
    [InlineData("model.layers.3.self_attn.k_proj.bias", "blk.3.attn_k.bias")]
    [InlineData("model.layers.3.self_attn.v_proj.weight", "blk.3.attn_v.weight")]
    [InlineData("model.layers.3.self_attn.o_proj.weight", "blk.3.attn_output.weight")]
    [InlineData("model.layers.29.mlp.gate_proj.weight", "blk.29.ffn_gate.weight")]
    [InlineData("model.layers.29.mlp.up_proj.weight", "blk.29.ffn_up.weight")]
    [InlineData("model.layers.29.mlp.down_proj.weight", "blk.29.ffn_down.weight")]
    public void NamesMapBothWays(string hf, string gguf)
    {
        Assert.Equal(gguf, GgufTensorNames.ToGguf(hf));
        Assert.Equal(hf, GgufTensorNames.ToHuggingFace(gguf));
    }

    [Fact]
    public void NamesWithoutACounterpartMapToNull()
    {
        Assert.Null(GgufTensorNames.ToGguf("model.layers.0.self_attn.rotary_emb.inv_freq"));
        Assert.Null(GgufTensorNames.ToGguf("model.layers.0.mlp.experts.0.w1.weight"));
        Assert.Null(GgufTensorNames.ToHuggingFace("rope_freqs.weight"));
        Assert.Equal(7, GgufTensorNames.LayerOf("blk.7.attn_q.weight"));
        Assert.Null(GgufTensorNames.LayerOf("token_embd.weight"));
    }

    [Fact]
    public void PermutationMovesRotateHalfPairsNextToEachOther()
    {
        // One head of size 4: HF rows (0, 2) and (1, 3) are rotate-half pairs; llama.cpp wants them adjacent.
        Assert.Equal([0, 2, 1, 3], Enumerable.Range(0, 4).Select(r => GgufTensorNames.ToGgufRow(r, heads: 1, rows: 4)));
        Assert.Equal([0, 2, 1, 3], Enumerable.Range(0, 4).Select(r => GgufTensorNames.ToHuggingFaceRow(r, heads: 1, rows: 4)));
    }

    [Theory]
    [InlineData(4, 64)]
    [InlineData(9, 576)]
    [InlineData(2, 128)]
    public void PermutationMatchesConvertHfToGgufsReshapeAndItsInverseUndoesIt(int heads, int rows)
    {
        // convert_hf_to_gguf.py: w.reshape(heads, 2, rows/heads/2, ...).swapaxes(1, 2).reshape(w.shape), written
        // out on row indices: GGUF row (h, i, j) holds HF row (h, j, i).
        int half = rows / heads / 2;
        var expected = new int[rows];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++)
                    expected[h * 2 * half + i * 2 + j] = h * 2 * half + j * half + i;
        for (int g = 0; g < rows; g++)
        {
            Assert.Equal(expected[g], GgufTensorNames.ToHuggingFaceRow(g, heads, rows));
            Assert.Equal(g, GgufTensorNames.ToGgufRow(expected[g], heads, rows));
        }
    }

    [Fact]
    public void PermutationRefusesShapesThatAreNotWholeEvenHeads()
    {
        Assert.Throws<ArgumentException>(() => GgufTensorNames.ToGgufRow(0, heads: 3, rows: 64));
        Assert.Throws<ArgumentException>(() => GgufTensorNames.ToGgufRow(0, heads: 2, rows: 6));
        Assert.Throws<ArgumentException>(() => GgufTensorNames.ToGgufRow(64, heads: 4, rows: 64));
    }

    [Fact]
    public void OnlyQueryAndKeyProjectionsArePermuted()
    {
        Assert.True(GgufTensorNames.IsRopePermuted("blk.0.attn_q.weight"));
        Assert.True(GgufTensorNames.IsRopePermuted("blk.0.attn_k.bias"));
        Assert.False(GgufTensorNames.IsRopePermuted("blk.0.attn_v.weight"));
        Assert.False(GgufTensorNames.IsRopePermuted("blk.0.attn_output.weight"));
    }
}
