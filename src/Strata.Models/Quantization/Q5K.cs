namespace Strata.Models.Quantization;

/// <summary>
/// ggml's Q5_K: like <see cref="Q4K"/> with a fifth bit per weight: {fp16 d; fp16 dmin; uint8 scales[12];
/// uint8 qh[32]; uint8 qs[128]} (176 bytes), q in 0..31. Bit 2g of qh[l] is the fifth bit of element 64g+l, bit 2g+1
/// that of element 64g+32+l. Bit-identical to <c>quantize_row_q5_K_ref</c> and <c>dequantize_row_q5_K</c>.
/// </summary>
public static class Q5K
{
    public const int BlockSize = GgmlTypes.SuperBlockSize;
    public const int BlockBytes = 176;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 256 floats) into <paramref name="blocks"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 256 or the output is too small.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = BlockChecks.Output(GgmlType.Q5_K, x.Length, blocks.Length);
        Span<byte> levels = stackalloc byte[BlockSize];
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            KQuantScales.QuantizeAffine(x.Slice(b * BlockSize, BlockSize), block, levels, nmax: 31, rmin: -0.5f, rdelta: 0.1f, steps: 15);
            var qh = block.Slice(16, 32);
            var ql = block[48..];
            qh.Clear();
            for (int g = 0; g < 4; g++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int l1 = levels[64 * g + l], l2 = levels[64 * g + 32 + l];
                    if (l1 > 15)
                    {
                        l1 -= 16;
                        qh[l] |= (byte)(1 << (2 * g));
                    }
                    if (l2 > 15)
                    {
                        l2 -= 16;
                        qh[l] |= (byte)(2 << (2 * g));
                    }
                    ql[32 * g + l] = (byte)(l1 | (l2 << 4));
                }
            }
        }
    }

    /// <summary>Dequantizes <paramref name="blocks"/> into <paramref name="y"/> (a multiple of 256 floats).</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 256 or the input is too short.</exception>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = BlockChecks.Input(GgmlType.Q5_K, blocks.Length, y.Length);
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            var output = y.Slice(b * BlockSize, BlockSize);
            float d = Float16.Read(block, 0), dmin = Float16.Read(block, 2);
            var scales = block.Slice(4, 12);
            var qh = block.Slice(16, 32);
            var ql = block[48..];
            for (int g = 0; g < 4; g++)
            {
                var (sc1, m1) = QuantMath.ScaleMinK4(2 * g, scales);
                var (sc2, m2) = QuantMath.ScaleMinK4(2 * g + 1, scales);
                float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
                int u1 = 1 << (2 * g), u2 = 2 << (2 * g);
                for (int l = 0; l < 32; l++) output[64 * g + l] = d1 * ((ql[32 * g + l] & 0xF) + ((qh[l] & u1) != 0 ? 16 : 0)) - min1;
                for (int l = 0; l < 32; l++) output[64 * g + 32 + l] = d2 * ((ql[32 * g + l] >> 4) + ((qh[l] & u2) != 0 ? 16 : 0)) - min2;
            }
        }
    }
}
