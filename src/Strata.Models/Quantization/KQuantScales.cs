namespace Strata.Models.Quantization;

/// <summary>
/// The part <c>quantize_row_q4_K_ref</c> and <c>quantize_row_q5_K_ref</c> share: per 32-weight sub-block an affine
/// fit (make_qkx2_quants), the eight scales and mins quantized to 6 bits against the super-block's largest, and the
/// weights requantized against the stored (fp16-rounded) scales.
/// </summary>
internal static class KQuantScales
{
    /// <summary>
    /// Fills d, dmin (bytes 0..3) and the 12 packed scale bytes (4..15) of <paramref name="block"/> and leaves the
    /// 256 levels (0..<paramref name="nmax"/>) in <paramref name="levels"/> for the caller to pack.
    /// </summary>
    public static void QuantizeAffine(ReadOnlySpan<float> x, Span<byte> block, Span<byte> levels, int nmax, float rmin, float rdelta, int steps)
    {
        Span<float> weights = stackalloc float[32];
        Span<byte> scratch = stackalloc byte[32];
        Span<float> scales = stackalloc float[8];
        Span<float> mins = stackalloc float[8];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++)
        {
            var xs = x.Slice(32 * j, 32);
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += xs[l] * xs[l];
            float averageX = MathF.Sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = averageX + MathF.Abs(xs[l]);
            scales[j] = QuantMath.MakeQkx2Quants(32, nmax, xs, weights, levels.Slice(32 * j, 32), out mins[j], scratch, rmin, rdelta, steps, useMad: false);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }

        float inverseScale = maxScale > 0 ? 63f / maxScale : 0f;
        float inverseMin = maxMin > 0 ? 63f / maxMin : 0f;
        Span<byte> scaleLevels = stackalloc byte[8];
        Span<byte> minLevels = stackalloc byte[8];
        for (int j = 0; j < 8; j++)
        {
            // C stores nearest_int's result in a uint8_t (wrapping a negative) before clamping to 63.
            scaleLevels[j] = Math.Min((byte)63, (byte)QuantMath.NearestInt(inverseScale * scales[j]));
            minLevels[j] = Math.Min((byte)63, (byte)QuantMath.NearestInt(inverseMin * mins[j]));
        }
        var packed = block.Slice(4, 12);
        QuantMath.PackScaleMinK4(scaleLevels, minLevels, packed);
        Float16.Write(block, 0, maxScale / 63f);
        Float16.Write(block, 2, maxMin / 63f);

        float superScale = Float16.Read(block, 0), superMin = Float16.Read(block, 2);
        for (int j = 0; j < 8; j++)
        {
            var (sc, m) = QuantMath.ScaleMinK4(j, packed);
            float d = superScale * sc;
            // A zero scale keeps the levels make_qkx2_quants chose, as in ggml.
            if (d == 0) continue;
            float dm = superMin * m;
            for (int i = 0; i < 32; i++)
            {
                int l = QuantMath.NearestInt((x[32 * j + i] + dm) / d);
                levels[32 * j + i] = (byte)Math.Max(0, Math.Min(nmax, l));
            }
        }
    }
}
