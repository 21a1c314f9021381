namespace Strata.Models.Quantization;

/// <summary>
/// ggml's Q6_K: super-blocks of 256 weights in sixteen sub-blocks of 16, stored as {uint8 ql[128]; uint8 qh[64];
/// int8 scales[16]; fp16 d} (210 bytes), x ≈ d·scales[j]·(q − 32) with q in 0..63. Within each 128-weight half,
/// ql[l] holds the low nibbles of elements l (low) and l+64 (high), ql[l+32] those of l+32 and l+96, and qh[l] the
/// top two bits of l, l+32, l+64, l+96 in bit pairs 0, 2, 4, 6.
/// Bit-identical to <c>quantize_row_q6_K_ref</c> (what llama.cpp's <c>quantize_q6_K</c> runs without an importance
/// matrix) and <c>dequantize_row_q6_K</c>.
/// </summary>
public static class Q6K
{
    public const int BlockSize = GgmlTypes.SuperBlockSize;
    public const int BlockBytes = 210;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 256 floats) into <paramref name="blocks"/>.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 256 or the output is too small.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        int count = BlockChecks.Output(GgmlType.Q6_K, x.Length, blocks.Length);
        Span<sbyte> levels = stackalloc sbyte[BlockSize];
        Span<float> scales = stackalloc float[16];
        for (int b = 0; b < count; b++)
        {
            var xb = x.Slice(b * BlockSize, BlockSize);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float maxScale = 0, maxAbsScale = 0;
            for (int j = 0; j < 16; j++)
            {
                float scale = QuantMath.MakeQxQuants(16, 32, xb.Slice(16 * j, 16), levels.Slice(16 * j, 16), rmseType: 1);
                scales[j] = scale;
                if (MathF.Abs(scale) > maxAbsScale)
                {
                    maxAbsScale = MathF.Abs(scale);
                    maxScale = scale;
                }
            }
            if (maxAbsScale < QuantMath.GroupMaxEps)
            {
                block.Clear();
                continue;
            }

            float iscale = -128f / maxScale;
            Float16.Write(block, 208, 1 / iscale);
            for (int j = 0; j < 16; j++) block[192 + j] = (byte)(sbyte)Math.Min(127, QuantMath.NearestInt(iscale * scales[j]));

            float superScale = Float16.Read(block, 208);
            for (int j = 0; j < 16; j++)
            {
                float d = superScale * (sbyte)block[192 + j];
                // A zero scale keeps the levels make_qx_quants chose, as in ggml.
                if (d == 0) continue;
                for (int i = 0; i < 16; i++)
                {
                    int l = QuantMath.NearestInt(xb[16 * j + i] / d);
                    levels[16 * j + i] = (sbyte)(Math.Max(-32, Math.Min(31, l)) + 32);
                }
            }
            Pack(levels, block);
        }
    }

    private static void Pack(ReadOnlySpan<sbyte> levels, Span<byte> block)
    {
        for (int half = 0; half < 2; half++)
        {
            var ql = block.Slice(64 * half, 64);
            var qh = block.Slice(128 + 32 * half, 32);
            var l = levels.Slice(128 * half, 128);
            for (int i = 0; i < 32; i++)
            {
                ql[i] = (byte)((l[i] & 0xF) | ((l[i + 64] & 0xF) << 4));
                ql[i + 32] = (byte)((l[i + 32] & 0xF) | ((l[i + 96] & 0xF) << 4));
                qh[i] = (byte)((l[i] >> 4) | ((l[i + 32] >> 4) << 2) | ((l[i + 64] >> 4) << 4) | ((l[i + 96] >> 4) << 6));
            }
        }
    }

    /// <summary>Dequantizes <paramref name="blocks"/> into <paramref name="y"/> (a multiple of 256 floats).</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 256 or the input is too short.</exception>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int count = BlockChecks.Input(GgmlType.Q6_K, blocks.Length, y.Length);
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = Float16.Read(block, 208);
            for (int half = 0; half < 2; half++)
            {
                var ql = block.Slice(64 * half, 64);
                var qh = block.Slice(128 + 32 * half, 32);
                var sc = block.Slice(192 + 8 * half, 8);
                var output = y.Slice(b * BlockSize + 128 * half, 128);
                for (int l = 0; l < 32; l++)
                {
                    int s = l / 16;
                    int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                    int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    output[l] = d * (sbyte)sc[s] * q1;
                    output[l + 32] = d * (sbyte)sc[s + 2] * q2;
                    output[l + 64] = d * (sbyte)sc[s + 4] * q3;
                    output[l + 96] = d * (sbyte)sc[s + 6] * q4;
                }
            }
        }
    }
}
