using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// Register-blocked products for the K-quants (256-value super-blocks): four rows against one token (decode: four
/// independent chains sharing each activation load) and one row against four tokens (prefill: each super-block's
/// scales and quants unpacked once for four tokens). Per super-block the eight 32-value scales are multiplied by the
/// activations' eight scales in one vector operation, and the Q4_K minimums come off lane-wise in one FMA (the lanes
/// are summed at the end anyway). Needs AVX-VNNI.
/// </summary>
internal static unsafe class KQuantTiles
{
    private static readonly Vector256<int>[] Lanes = Enumerable.Range(0, 8).Select(i => Vector256.Create(i)).ToArray();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<int> addend, Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.MultiplyWideningAndAdd(addend, u, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Lane(Vector256<float> v, int lane) => Avx2.PermuteVar8x32(v, Lanes[lane]);

    /// <summary>Eight 32-value activation scales times the sums of their blocks (the Q4_K minimums' partner).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ScaledSums(float* xs, short* sums)
    {
        // sums holds one int16 per 16 values: adjacent pairs make the 32-value block sums.
        var wide = Avx2.ConvertToVector256Int32(Vector128.Load(sums));              // 8 × int32 of the first 8 sums
        var wide2 = Avx2.ConvertToVector256Int32(Vector128.Load(sums + 8));
        var s32 = Avx2.HorizontalAdd(wide, wide2);                                 // lanes: 0,1,4,5 | 2,3,6,7 order
        s32 = Avx2.Permute4x64(s32.AsInt64(), 0b11_01_10_00).AsInt32();            // back to 0..7
        return Avx.ConvertToVector256Single(s32) * Vector256.Load(xs);
    }

    /// <summary>Q4_K's eight 6-bit scales and eight 6-bit minimums as float vectors (ggml's get_scale_min_k4, all at once).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Scales, Vector256<float> Mins) ScalesMins(byte* packed)
    {
        const uint K1 = 0x3f3f3f3f, K2 = 0x0f0f0f0f, K3 = 0x03030303;
        uint u0 = *(uint*)packed, u1 = *(uint*)(packed + 4), u2 = *(uint*)(packed + 8);
        uint scalesLow = u0 & K1;
        uint scalesHigh = (u2 & K2) | (((u0 >> 6) & K3) << 4);
        uint minsLow = u1 & K1;
        uint minsHigh = ((u2 >> 4) & K2) | (((u1 >> 6) & K3) << 4);
        var scales = Avx2.ConvertToVector256Int32(Vector128.CreateScalar(((ulong)scalesHigh << 32) | scalesLow).AsByte());
        var mins = Avx2.ConvertToVector256Int32(Vector128.CreateScalar(((ulong)minsHigh << 32) | minsLow).AsByte());
        return (Avx.ConvertToVector256Single(scales), Avx.ConvertToVector256Single(mins));
    }

    // ---------------- Q4_K: d, dmin, scales[12], qs[128] ----------------

    public static void Q4_K4x1(byte* w, long rowBytes, sbyte* x, float* xs, short* sums, int superBlocks, float* output)
    {
        var mask = Vector256.Create((byte)0x0F);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int sb = 0; sb < superBlocks; sb++, w += 144, x += 256, xs += 8, sums += 16)
        {
            var xScales = Vector256.Load(xs);
            var minTerms = ScaledSums(xs, sums);
            var (s0, m0) = ScalesMins(w + 4);
            var (s1, m1) = ScalesMins(w + rowBytes + 4);
            var (s2, m2) = ScalesMins(w + 2 * rowBytes + 4);
            var (s3, m3) = ScalesMins(w + 3 * rowBytes + 4);
            var d0 = s0 * Vector256.Create(HalfTable.At(w)) * xScales;
            var d1 = s1 * Vector256.Create(HalfTable.At(w + rowBytes)) * xScales;
            var d2 = s2 * Vector256.Create(HalfTable.At(w + 2 * rowBytes)) * xScales;
            var d3 = s3 * Vector256.Create(HalfTable.At(w + 3 * rowBytes)) * xScales;
            a0 = Fma.MultiplyAddNegated(m0 * Vector256.Create(HalfTable.At(w + 2)), minTerms, a0);
            a1 = Fma.MultiplyAddNegated(m1 * Vector256.Create(HalfTable.At(w + rowBytes + 2)), minTerms, a1);
            a2 = Fma.MultiplyAddNegated(m2 * Vector256.Create(HalfTable.At(w + 2 * rowBytes + 2)), minTerms, a2);
            a3 = Fma.MultiplyAddNegated(m3 * Vector256.Create(HalfTable.At(w + 3 * rowBytes + 2)), minTerms, a3);
            for (int c = 0; c < 4; c++)
            {
                var low = Vector256.Load(x + 64 * c);
                var high = Vector256.Load(x + 64 * c + 32);
                int j = 2 * c;
                a0 = Pair(w + 16 + 32 * c, low, high, d0, j, a0, mask);
                a1 = Pair(w + rowBytes + 16 + 32 * c, low, high, d1, j, a1, mask);
                a2 = Pair(w + 2 * rowBytes + 16 + 32 * c, low, high, d2, j, a2, mask);
                a3 = Pair(w + 3 * rowBytes + 16 + 32 * c, low, high, d3, j, a3, mask);
            }
        }
        output[0] = Vector256.Sum(a0);
        output[1] = Vector256.Sum(a1);
        output[2] = Vector256.Sum(a2);
        output[3] = Vector256.Sum(a3);
    }

    /// <summary>Sub-blocks j (low nibbles) and j+1 (high nibbles) of 32 packed bytes against their activations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pair(byte* qs, Vector256<sbyte> low, Vector256<sbyte> high, Vector256<float> scales, int j,
        Vector256<float> acc, Vector256<byte> mask)
    {
        var raw = Vector256.Load(qs);
        var lo = Avx.ConvertToVector256Single(Dot(Vector256<int>.Zero, raw & mask, low));
        var hi = Avx.ConvertToVector256Single(Dot(Vector256<int>.Zero, Avx2.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & mask, high));
        acc = Fma.MultiplyAdd(lo, Lane(scales, j), acc);
        return Fma.MultiplyAdd(hi, Lane(scales, j + 1), acc);
    }

    /// <summary>One row against four tokens (token stride: <paramref name="xStride"/> values, <paramref name="sStride"/> scales, <paramref name="sumStride"/> sums).</summary>
    public static void Q4_K1x4(byte* w, sbyte* x, long xStride, float* xs, long sStride, short* sums, long sumStride, int superBlocks, float* output)
    {
        var mask = Vector256.Create((byte)0x0F);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int sb = 0; sb < superBlocks; sb++, w += 144, x += 256, xs += 8, sums += 16)
        {
            var (scales, mins) = ScalesMins(w + 4);
            scales *= Vector256.Create(HalfTable.At(w));
            mins *= Vector256.Create(HalfTable.At(w + 2));
            var d0 = scales * Vector256.Load(xs);
            var d1 = scales * Vector256.Load(xs + sStride);
            var d2 = scales * Vector256.Load(xs + 2 * sStride);
            var d3 = scales * Vector256.Load(xs + 3 * sStride);
            a0 = Fma.MultiplyAddNegated(mins, ScaledSums(xs, sums), a0);
            a1 = Fma.MultiplyAddNegated(mins, ScaledSums(xs + sStride, sums + sumStride), a1);
            a2 = Fma.MultiplyAddNegated(mins, ScaledSums(xs + 2 * sStride, sums + 2 * sumStride), a2);
            a3 = Fma.MultiplyAddNegated(mins, ScaledSums(xs + 3 * sStride, sums + 3 * sumStride), a3);
            for (int c = 0; c < 4; c++)
            {
                var raw = Vector256.Load(w + 16 + 32 * c);
                var lo = raw & mask;
                var hi = Avx2.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & mask;
                int j = 2 * c;
                a0 = Two(lo, hi, x + 64 * c, d0, j, a0);
                a1 = Two(lo, hi, x + xStride + 64 * c, d1, j, a1);
                a2 = Two(lo, hi, x + 2 * xStride + 64 * c, d2, j, a2);
                a3 = Two(lo, hi, x + 3 * xStride + 64 * c, d3, j, a3);
            }
        }
        output[0] = Vector256.Sum(a0);
        output[1] = Vector256.Sum(a1);
        output[2] = Vector256.Sum(a2);
        output[3] = Vector256.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Two(Vector256<byte> lo, Vector256<byte> hi, sbyte* x, Vector256<float> scales, int j, Vector256<float> acc)
    {
        acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Dot(Vector256<int>.Zero, lo, Vector256.Load(x))), Lane(scales, j), acc);
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(Dot(Vector256<int>.Zero, hi, Vector256.Load(x + 32))), Lane(scales, j + 1), acc);
    }

    // ---------------- Q6_K: ql[128], qh[64], scales[16], d ----------------

    /// <summary>The four 32-value groups of one half (128 values) of a Q6_K super-block, as unsigned 6-bit quants.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Q6Groups(byte* block, int half)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var two = Vector256.Create((byte)0x03);
        var l0 = Vector256.Load(block + 64 * half);
        var l1 = Vector256.Load(block + 64 * half + 32);
        var h = Vector256.Load(block + 128 + 32 * half).AsUInt16();
        var q0 = (l0 & low4) | Avx2.ShiftLeftLogical((h.AsByte() & two).AsUInt16(), 4).AsByte();
        var q1 = (l1 & low4) | Avx2.ShiftLeftLogical((Avx2.ShiftRightLogical(h, 2).AsByte() & two).AsUInt16(), 4).AsByte();
        var q2 = (Avx2.ShiftRightLogical(l0.AsUInt16(), 4).AsByte() & low4) | Avx2.ShiftLeftLogical((Avx2.ShiftRightLogical(h, 4).AsByte() & two).AsUInt16(), 4).AsByte();
        var q3 = (Avx2.ShiftRightLogical(l1.AsUInt16(), 4).AsByte() & low4) | Avx2.ShiftLeftLogical((Avx2.ShiftRightLogical(h, 6).AsByte() & two).AsUInt16(), 4).AsByte();
        return (q0, q1, q2, q3);
    }

    /// <summary>The 16 int8 scales of a super-block times d, as two vectors of eight (scale k for values 16k … 16k+15).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> First, Vector256<float> Second) Q6Scales(byte* block)
    {
        var d = Vector256.Create(HalfTable.At(block + 208));
        var first = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.Load((sbyte*)(block + 192))));
        var second = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.Load((sbyte*)(block + 200))));
        return (first * d, second * d);
    }

    private static readonly Vector256<int> LowHalf = Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1);

    /// <summary>
    /// One 32-value group: lanes 0–3 of the integer product cover its first 16 values (scale k), lanes 4–7 the next 16
    /// (scale k+1). <paramref name="correction"/> is −32·Σx per four values (the stored offset).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Q6Group(Vector256<byte> q, Vector256<sbyte> v, Vector256<int> correction, Vector256<float> groupScales, Vector256<float> acc) =>
        Fma.MultiplyAdd(Avx.ConvertToVector256Single(Dot(correction, q, v)), groupScales, acc);

    /// <summary>Per group g (0..7 over the super-block), its two scales spread over lanes 0–3 and 4–7, times the activation scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> GroupScales(Vector256<float> first, Vector256<float> second, int g, float activationScale)
    {
        // Group g uses scales 2g and 2g+1: lanes (2g, 2g+1) of the sixteen.
        var source = g < 4 ? first : second;
        int lane = 2 * (g & 3);
        return Avx2.PermuteVar8x32(source, LowHalf + Lanes[lane]) * Vector256.Create(activationScale);
    }

    public static void Q6_K4x1(byte* w, long rowBytes, sbyte* x, float* xs, int superBlocks, float* output)
    {
        var thirtyTwo = Vector256.Create((byte)32);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int sb = 0; sb < superBlocks; sb++, w += 210, x += 256, xs += 8)
        {
            var (f0, g0) = Q6Scales(w);
            var (f1, g1) = Q6Scales(w + rowBytes);
            var (f2, g2) = Q6Scales(w + 2 * rowBytes);
            var (f3, g3) = Q6Scales(w + 3 * rowBytes);
            for (int half = 0; half < 2; half++)
            {
                var (p0, p1, p2, p3) = Q6Groups(w, half);
                var (q0, q1, q2, q3) = Q6Groups(w + rowBytes, half);
                var (r0, r1, r2, r3) = Q6Groups(w + 2 * rowBytes, half);
                var (t0, t1, t2, t3) = Q6Groups(w + 3 * rowBytes, half);
                for (int k = 0; k < 4; k++)
                {
                    int g = 4 * half + k;      // group order in the super-block: ql low of half, ql+32 low, ql high, ql+32 high
                    var v = Vector256.Load(x + 32 * g);
                    var correction = Vector256<int>.Zero - Dot(Vector256<int>.Zero, thirtyTwo, v);
                    float s = xs[g];
                    a0 = Q6Group(k == 0 ? p0 : k == 1 ? p1 : k == 2 ? p2 : p3, v, correction, GroupScales(f0, g0, g, s), a0);
                    a1 = Q6Group(k == 0 ? q0 : k == 1 ? q1 : k == 2 ? q2 : q3, v, correction, GroupScales(f1, g1, g, s), a1);
                    a2 = Q6Group(k == 0 ? r0 : k == 1 ? r1 : k == 2 ? r2 : r3, v, correction, GroupScales(f2, g2, g, s), a2);
                    a3 = Q6Group(k == 0 ? t0 : k == 1 ? t1 : k == 2 ? t2 : t3, v, correction, GroupScales(f3, g3, g, s), a3);
                }
            }
        }
        output[0] = Vector256.Sum(a0);
        output[1] = Vector256.Sum(a1);
        output[2] = Vector256.Sum(a2);
        output[3] = Vector256.Sum(a3);
    }

    public static void Q6_K1x4(byte* w, sbyte* x, long xStride, float* xs, long sStride, int superBlocks, float* output)
    {
        var thirtyTwo = Vector256.Create((byte)32);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int sb = 0; sb < superBlocks; sb++, w += 210, x += 256, xs += 8)
        {
            var (first, second) = Q6Scales(w);
            for (int half = 0; half < 2; half++)
            {
                var (q0, q1, q2, q3) = Q6Groups(w, half);
                for (int k = 0; k < 4; k++)
                {
                    int g = 4 * half + k;
                    var q = k == 0 ? q0 : k == 1 ? q1 : k == 2 ? q2 : q3;
                    a0 = Token(q, x + 32 * g, xs[g], first, second, g, a0, thirtyTwo);
                    a1 = Token(q, x + xStride + 32 * g, xs[g + sStride], first, second, g, a1, thirtyTwo);
                    a2 = Token(q, x + 2 * xStride + 32 * g, xs[g + 2 * sStride], first, second, g, a2, thirtyTwo);
                    a3 = Token(q, x + 3 * xStride + 32 * g, xs[g + 3 * sStride], first, second, g, a3, thirtyTwo);
                }
            }
        }
        output[0] = Vector256.Sum(a0);
        output[1] = Vector256.Sum(a1);
        output[2] = Vector256.Sum(a2);
        output[3] = Vector256.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Token(Vector256<byte> q, sbyte* x, float s, Vector256<float> first, Vector256<float> second, int g,
        Vector256<float> acc, Vector256<byte> thirtyTwo)
    {
        var v = Vector256.Load(x);
        var correction = Vector256<int>.Zero - Dot(Vector256<int>.Zero, thirtyTwo, v);
        return Q6Group(q, v, correction, GroupScales(first, second, g, s), acc);
    }
}
