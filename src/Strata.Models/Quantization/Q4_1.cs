namespace Strata.Models.Quantization;

/// <summary>
/// ggml's Q4_1: blocks of 32 weights as {fp16 d; fp16 m; uint8 qs[16]} (20 bytes), x ≈ d·q + m with m the block
/// minimum and d = (max − min)/15. Nibbles packed as in Q4_0.
/// Bit-identical to <c>quantize_row_q4_1_ref</c> and <c>dequantize_row_q4_1</c>.
/// </summary>
public static class Q4_1
{
    public const int BlockSize = 32;
    public const int BlockBytes = 20;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 32 floats) into <paramref name="blocks"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 32 or the output is too small.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = BlockChecks.Output(GgmlType.Q4_1, x.Length, blocks.Length);
        for (int b = 0; b < count; b++)
        {
            var xb = x.Slice(b * BlockSize, BlockSize);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            var (min, max) = MinMax(xb);
            float d = (max - min) / 15;
            float id = d != 0 ? 1f / d : 0f;
            Float16.Write(block, 0, d);
            Float16.Write(block, 2, min);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int low = Math.Min(15, (int)(sbyte)((xb[j] - min) * id + 0.5f));
                int high = Math.Min(15, (int)(sbyte)((xb[j + BlockSize / 2] - min) * id + 0.5f));
                block[4 + j] = (byte)(low | (high << 4));
            }
        }
    }

    /// <summary>Dequantizes <paramref name="blocks"/> into <paramref name="y"/> (a multiple of 32 floats).</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 32 or the input is too short.</exception>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = BlockChecks.Input(GgmlType.Q4_1, blocks.Length, y.Length);
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = Float16.Read(block, 0), m = Float16.Read(block, 2);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                y[b * BlockSize + j] = (block[4 + j] & 0x0F) * d + m;
                y[b * BlockSize + j + BlockSize / 2] = (block[4 + j] >> 4) * d + m;
            }
        }
    }

    /// <summary>Block minimum and maximum as ggml finds them (starting from ±FLT_MAX).</summary>
    internal static (float Min, float Max) MinMax(ReadOnlySpan<float> x)
    {
        float min = float.MaxValue, max = -float.MaxValue;
        foreach (float v in x)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return (min, max);
    }
}
