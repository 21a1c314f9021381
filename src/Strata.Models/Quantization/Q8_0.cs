namespace Strata.Models.Quantization;

/// <summary>
/// ggml's Q8_0: blocks of 32 weights as {fp16 d; int8 qs[32]} (34 bytes), x ≈ d·q with d = max|x|/127.
/// Bit-identical to <c>quantize_row_q8_0_ref</c> and <c>dequantize_row_q8_0</c>.
/// </summary>
public static class Q8_0
{
    public const int BlockSize = 32;
    public const int BlockBytes = 34;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 32 floats) into <paramref name="blocks"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 32 or the output is too small.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = BlockChecks.Output(GgmlType.Q8_0, x.Length, blocks.Length);
        for (int b = 0; b < count; b++)
        {
            var xb = x.Slice(b * BlockSize, BlockSize);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float amax = 0;
            for (int j = 0; j < BlockSize; j++) amax = Math.Max(amax, MathF.Abs(xb[j]));
            float d = amax / 127;
            float id = d != 0 ? 1f / d : 0f;
            Float16.Write(block, 0, d);
            for (int j = 0; j < BlockSize; j++) block[2 + j] = (byte)(sbyte)QuantMath.RoundAwayFromZero(xb[j] * id);
        }
    }

    /// <summary>Dequantizes <paramref name="blocks"/> into <paramref name="y"/> (a multiple of 32 floats).</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 32 or the input is too short.</exception>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = BlockChecks.Input(GgmlType.Q8_0, blocks.Length, y.Length);
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = Float16.Read(block, 0);
            for (int j = 0; j < BlockSize; j++) y[b * BlockSize + j] = (sbyte)block[2 + j] * d;
        }
    }
}
