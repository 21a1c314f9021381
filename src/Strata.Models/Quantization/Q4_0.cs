namespace Strata.Models.Quantization;

/// <summary>
/// ggml's Q4_0: blocks of 32 weights as {fp16 d; uint8 qs[16]} (18 bytes), x ≈ d·(q − 8) with d = max/−8 where max
/// is the value of largest magnitude. Byte j holds element j in its low nibble and element j+16 in its high nibble.
/// Bit-identical to <c>quantize_row_q4_0_ref</c> and <c>dequantize_row_q4_0</c>.
/// </summary>
public static class Q4_0
{
    public const int BlockSize = 32;
    public const int BlockBytes = 18;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 32 floats) into <paramref name="blocks"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 32 or the output is too small.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = BlockChecks.Output(GgmlType.Q4_0, x.Length, blocks.Length);
        for (int b = 0; b < count; b++)
        {
            var xb = x.Slice(b * BlockSize, BlockSize);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = SignedMax(xb) / -8;
            float id = d != 0 ? 1f / d : 0f;
            Float16.Write(block, 0, d);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                // C converts float to int8_t by truncation; the +8.5 makes that a rounding.
                int low = Math.Min(15, (int)(sbyte)(xb[j] * id + 8.5f));
                int high = Math.Min(15, (int)(sbyte)(xb[j + BlockSize / 2] * id + 8.5f));
                block[2 + j] = (byte)(low | (high << 4));
            }
        }
    }

    /// <summary>Dequantizes <paramref name="blocks"/> into <paramref name="y"/> (a multiple of 32 floats).</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 32 or the input is too short.</exception>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = BlockChecks.Input(GgmlType.Q4_0, blocks.Length, y.Length);
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = Float16.Read(block, 0);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                y[b * BlockSize + j] = ((block[2 + j] & 0x0F) - 8) * d;
                y[b * BlockSize + j + BlockSize / 2] = ((block[2 + j] >> 4) - 8) * d;
            }
        }
    }

    /// <summary>The element of largest magnitude, sign kept; the first one wins ties (ggml's strict <c>&lt;</c>).</summary>
    internal static float SignedMax(ReadOnlySpan<float> x)
    {
        float amax = 0, max = 0;
        foreach (float v in x)
        {
            if (amax < MathF.Abs(v))
            {
                amax = MathF.Abs(v);
                max = v;
            }
        }
        return max;
    }
}
