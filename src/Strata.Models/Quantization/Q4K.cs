namespace Strata.Models.Quantization;

/// <summary>
/// ggml's Q4_K: super-blocks of 256 weights in eight sub-blocks of 32, stored as {fp16 d; fp16 dmin;
/// uint8 scales[12]; uint8 qs[128]} (144 bytes). Sub-block j has a 6-bit scale sc_j and min m_j packed into
/// <c>scales</c>, and x ≈ d·sc_j·q − dmin·m_j with q in 0..15. <c>qs</c> holds 64-element groups: byte l of group g
/// has element 64g+l in its low nibble and 64g+32+l in its high nibble.
/// Bit-identical to <c>quantize_row_q4_K_ref</c> (what llama.cpp's <c>quantize_q4_K</c> runs without an importance
/// matrix) and <c>dequantize_row_q4_K</c>.
/// </summary>
public static class Q4K
{
    public const int BlockSize = GgmlTypes.SuperBlockSize;
    public const int BlockBytes = 144;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 256 floats) into <paramref name="blocks"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 256 or the output is too small.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = BlockChecks.Output(GgmlType.Q4_K, x.Length, blocks.Length);
        Span<byte> levels = stackalloc byte[BlockSize];
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            KQuantScales.QuantizeAffine(x.Slice(b * BlockSize, BlockSize), block, levels, nmax: 15, rmin: -1f, rdelta: 0.1f, steps: 20);
            var qs = block[16..];
            for (int g = 0; g < 4; g++)
            {
                for (int l = 0; l < 32; l++) qs[32 * g + l] = (byte)(levels[64 * g + l] | (levels[64 * g + 32 + l] << 4));
            }
        }
    }

    /// <summary>Dequantizes <paramref name="blocks"/> into <paramref name="y"/> (a multiple of 256 floats).</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 256 or the input is too short.</exception>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = BlockChecks.Input(GgmlType.Q4_K, blocks.Length, y.Length);
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            var output = y.Slice(b * BlockSize, BlockSize);
            float d = Float16.Read(block, 0), dmin = Float16.Read(block, 2);
            var scales = block.Slice(4, 12);
            var qs = block[16..];
            for (int g = 0; g < 4; g++)
            {
                var (sc1, m1) = QuantMath.ScaleMinK4(2 * g, scales);
                var (sc2, m2) = QuantMath.ScaleMinK4(2 * g + 1, scales);
                float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
                for (int l = 0; l < 32; l++) output[64 * g + l] = d1 * (qs[32 * g + l] & 0xF) - min1;
                for (int l = 0; l < 32; l++) output[64 * g + 32 + l] = d2 * (qs[32 * g + l] >> 4) - min2;
            }
        }
    }
}
