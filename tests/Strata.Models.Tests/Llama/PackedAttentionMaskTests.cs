using Strata.Models.Configuration;
using Strata.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Models.Tests.Llama;

/// <summary>An extra block-diagonal mask makes two packed documents behave as if each ran alone.</summary>
public class PackedAttentionMaskTests
{
    [Theory]
    [InlineData(PositionEncoding.Rope)]
    [InlineData(PositionEncoding.Alibi)]
    public void PackedDocumentsDoNotSeeEachOther(PositionEncoding positions)
    {
        using var model = LlamaCheckpoint.Create(ModelPresets.Tiny(64) with { PositionEncoding = positions }, seed: 8);
        long[] first = [5, 9, 13, 2, 40], second = [7, 7, 21, 33];
        using var packed = tensor(first.Concat(second).ToArray()).unsqueeze(0);                    // (1, 9)
        int[] document = [0, 0, 0, 0, 0, 1, 1, 1, 1];
        var blocked = new float[9, 9];
        for (int i = 0; i < 9; i++)
            for (int j = 0; j < 9; j++)
                blocked[i, j] = document[i] == document[j] ? 0 : float.NegativeInfinity;
        using var mask = tensor(blocked).view(1, 1, 9, 9);

        using var packedLogits = model.forward(packed, attentionMask: mask);                        // (1, 9, V)
        using var aloneFirst = model.forward(tensor(first).unsqueeze(0));
        using var aloneSecond = model.forward(tensor(second).unsqueeze(0));
        Assert.True(packedLogits[0, ..5].allclose(aloneFirst[0], atol: 1e-5));
        // RoPE and ALiBi depend only on relative positions, so the shifted second document matches too.
        Assert.True(packedLogits[0, 5..].allclose(aloneSecond[0], atol: 1e-4));
        using var unmasked = model.forward(packed);
        Assert.False(unmasked[0, 5..].allclose(aloneSecond[0], atol: 1e-4));
    }
}
