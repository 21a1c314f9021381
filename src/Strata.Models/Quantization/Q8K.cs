using System.Buffers.Binary;

namespace Strata.Models.Quantization;

/// <summary>
/// ggml's Q8_K, the activation format K-quant dot products pair with: {float32 d; int8 qs[256]; int16 bsums[16]}
/// (292 bytes), x ≈ d·q with q in −127..127 and bsums[i] the sum of qs[16i..16i+15]. Quantize only; bit-identical to
/// <c>quantize_row_q8_K_ref</c>, except that an all-zero block's bsums are written as zeros (ggml leaves them unset).
/// </summary>
public static class Q8K
{
    public const int BlockSize = GgmlTypes.SuperBlockSize;
    public const int BlockBytes = 292;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 256 floats) into <paramref name="blocks"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 256 or the output is too small.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = BlockChecks.Output(GgmlType.Q8_K, x.Length, blocks.Length);
        for (int b = 0; b < count; b++)
        {
            var xb = x.Slice(b * BlockSize, BlockSize);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float max = 0, amax = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                float ax = MathF.Abs(xb[j]);
                if (ax > amax)
                {
                    amax = ax;
                    max = xb[j];
                }
            }
            if (amax == 0)
            {
                block.Clear();
                continue;
            }
            // −127 rather than −128 keeps q within ±127, which ggml's IQ2 AVX kernels rely on.
            float iscale = -127f / max;
            for (int j = 0; j < BlockSize; j++) block[4 + j] = (byte)(sbyte)Math.Min(127, QuantMath.NearestInt(iscale * xb[j]));
            for (int j = 0; j < 16; j++)
            {
                int sum = 0;
                for (int i = 0; i < 16; i++) sum += (sbyte)block[4 + 16 * j + i];
                BinaryPrimitives.WriteInt16LittleEndian(block[(260 + 2 * j)..], (short)sum);
            }
            BinaryPrimitives.WriteSingleLittleEndian(block, 1 / iscale);
        }
    }
}
