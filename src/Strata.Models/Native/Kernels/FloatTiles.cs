using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// Register-blocked products of float weight rows with float activations: four rows against four tokens (prefill and
/// batched decode) or one token (decode), sixteen or four running sums over the shared columns. Each loaded weight vector
/// serves every token of the tile and each activation vector every row. F16 and BF16 rows are widened in registers.
/// The row format is a type argument, so each format gets its own loop with no branch per loaded vector. Needs AVX-512.
/// </summary>
internal static unsafe class FloatTiles
{
    /// <summary>out[t·4 + r] = Σ w_r · x_t for four rows and four tokens (columns a multiple of 16).</summary>
    public static void Tile4x4(byte* w, long rowBytes, RowFormat format, float* x, long tokenStride, int columns, float* output)
    {
        switch (format)
        {
            case RowFormat.Single: Tile4x4<SingleRows>(w, rowBytes, x, tokenStride, columns, output); break;
            case RowFormat.Half: Tile4x4<HalfRows>(w, rowBytes, x, tokenStride, columns, output); break;
            case RowFormat.BFloat: Tile4x4<BFloatRows>(w, rowBytes, x, tokenStride, columns, output); break;
            // Rows serving four tokens or more are widened once, exactly, into float32 scratch (MatMulJob).
            default: throw new ArgumentOutOfRangeException(nameof(format), format, "not a four-token tile format");
        }
    }

    /// <summary>out[r] = Σ w_r · x for four rows and one token (columns a multiple of 16).</summary>
    public static void Tile4x1(byte* w, long rowBytes, RowFormat format, float* x, int columns, float* output)
    {
        switch (format)
        {
            case RowFormat.Single: Tile4x1<SingleRows>(w, rowBytes, x, columns, output); break;
            case RowFormat.Half: Tile4x1<HalfRows>(w, rowBytes, x, columns, output); break;
            case RowFormat.HalfNormal: Tile4x1<HalfNormalRows>(w, rowBytes, x, columns, output); break;
            default: Tile4x1<BFloatRows>(w, rowBytes, x, columns, output); break;
        }
    }

    private static void Tile4x4<T>(byte* w, long rowBytes, float* x, long tokenStride, int columns, float* output) where T : IRowFormat
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (int i = 0; i < columns; i += 16)
        {
            var x0 = Vector512.Load(x + i);
            var x1 = Vector512.Load(x + tokenStride + i);
            var x2 = Vector512.Load(x + 2 * tokenStride + i);
            var x3 = Vector512.Load(x + 3 * tokenStride + i);
            var w0 = T.Load(w, i);
            a00 = Avx512F.FusedMultiplyAdd(w0, x0, a00); a01 = Avx512F.FusedMultiplyAdd(w0, x1, a01);
            a02 = Avx512F.FusedMultiplyAdd(w0, x2, a02); a03 = Avx512F.FusedMultiplyAdd(w0, x3, a03);
            var w1 = T.Load(w + rowBytes, i);
            a10 = Avx512F.FusedMultiplyAdd(w1, x0, a10); a11 = Avx512F.FusedMultiplyAdd(w1, x1, a11);
            a12 = Avx512F.FusedMultiplyAdd(w1, x2, a12); a13 = Avx512F.FusedMultiplyAdd(w1, x3, a13);
            var w2 = T.Load(w + 2 * rowBytes, i);
            a20 = Avx512F.FusedMultiplyAdd(w2, x0, a20); a21 = Avx512F.FusedMultiplyAdd(w2, x1, a21);
            a22 = Avx512F.FusedMultiplyAdd(w2, x2, a22); a23 = Avx512F.FusedMultiplyAdd(w2, x3, a23);
            var w3 = T.Load(w + 3 * rowBytes, i);
            a30 = Avx512F.FusedMultiplyAdd(w3, x0, a30); a31 = Avx512F.FusedMultiplyAdd(w3, x1, a31);
            a32 = Avx512F.FusedMultiplyAdd(w3, x2, a32); a33 = Avx512F.FusedMultiplyAdd(w3, x3, a33);
        }
        // Sixteen horizontal sums at once (a transposing reduction) instead of one shuffle ladder each.
        Reduce16(a00, a10, a20, a30, a01, a11, a21, a31, a02, a12, a22, a32, a03, a13, a23, a33).Store(output);
    }

    // A whole cache line of each row per iteration (32 halves; two 16-wide steps) with two sums per row: F16 decode read
    // 18.4 GB/s of weights this way against 16.5 with one 16-wide step per row per iteration (same sitting).
    private static void Tile4x1<T>(byte* w, long rowBytes, float* x, int columns, float* output) where T : IRowFormat
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        int i = 0;
        for (; i + 32 <= columns; i += 32)
        {
            var x0 = Vector512.Load(x + i);
            var x1 = Vector512.Load(x + i + 16);
            if (T.PrefetchAhead > 0)
            {
                long ahead = (long)i * T.WeightBytes + T.PrefetchAhead;
                Sse.Prefetch0(w + ahead);
                Sse.Prefetch0(w + rowBytes + ahead);
                Sse.Prefetch0(w + 2 * rowBytes + ahead);
                Sse.Prefetch0(w + 3 * rowBytes + ahead);
            }
            a0 = Avx512F.FusedMultiplyAdd(T.Load(w, i), x0, a0);
            b0 = Avx512F.FusedMultiplyAdd(T.Load(w, i + 16), x1, b0);
            a1 = Avx512F.FusedMultiplyAdd(T.Load(w + rowBytes, i), x0, a1);
            b1 = Avx512F.FusedMultiplyAdd(T.Load(w + rowBytes, i + 16), x1, b1);
            a2 = Avx512F.FusedMultiplyAdd(T.Load(w + 2 * rowBytes, i), x0, a2);
            b2 = Avx512F.FusedMultiplyAdd(T.Load(w + 2 * rowBytes, i + 16), x1, b2);
            a3 = Avx512F.FusedMultiplyAdd(T.Load(w + 3 * rowBytes, i), x0, a3);
            b3 = Avx512F.FusedMultiplyAdd(T.Load(w + 3 * rowBytes, i + 16), x1, b3);
        }
        if (i < columns)
        {
            var x0 = Vector512.Load(x + i);
            a0 = Avx512F.FusedMultiplyAdd(T.Load(w, i), x0, a0);
            a1 = Avx512F.FusedMultiplyAdd(T.Load(w + rowBytes, i), x0, a1);
            a2 = Avx512F.FusedMultiplyAdd(T.Load(w + 2 * rowBytes, i), x0, a2);
            a3 = Avx512F.FusedMultiplyAdd(T.Load(w + 3 * rowBytes, i), x0, a3);
        }
        var sums = Avx.HorizontalAdd(Avx.HorizontalAdd(Half(a0 + b0), Half(a1 + b1)), Avx.HorizontalAdd(Half(a2 + b2), Half(a3 + b3)));
        (sums.GetLower() + sums.GetUpper()).Store(output);
    }

    /// <summary>The sums of sixteen vectors' lanes as one vector: lane i = Σ lanes of v_i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reduce16(
        Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> v4, Vector512<float> v5, Vector512<float> v6, Vector512<float> v7,
        Vector512<float> v8, Vector512<float> v9, Vector512<float> v10, Vector512<float> v11,
        Vector512<float> v12, Vector512<float> v13, Vector512<float> v14, Vector512<float> v15)
    {
        // Each vector halved to 256 bits; two rounds of pairwise horizontal adds leave, per 128-bit lane, partial sums
        // of four vectors in order; adding the two lanes finishes them.
        var p0 = Avx.HorizontalAdd(Avx.HorizontalAdd(Half(v0), Half(v1)), Avx.HorizontalAdd(Half(v2), Half(v3)));
        var p1 = Avx.HorizontalAdd(Avx.HorizontalAdd(Half(v4), Half(v5)), Avx.HorizontalAdd(Half(v6), Half(v7)));
        var p2 = Avx.HorizontalAdd(Avx.HorizontalAdd(Half(v8), Half(v9)), Avx.HorizontalAdd(Half(v10), Half(v11)));
        var p3 = Avx.HorizontalAdd(Avx.HorizontalAdd(Half(v12), Half(v13)), Avx.HorizontalAdd(Half(v14), Half(v15)));
        var low = Vector256.Create(p0.GetLower() + p0.GetUpper(), p1.GetLower() + p1.GetUpper());      // sums 0–7
        var high = Vector256.Create(p2.GetLower() + p2.GetUpper(), p3.GetLower() + p3.GetUpper());     // sums 8–15
        return Vector512.Create(low, high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Half(Vector512<float> v) => v.GetLower() + v.GetUpper();

    /// <summary>Sixteen weights of a row from column i, widened to float32.</summary>
    private interface IRowFormat
    {
        static abstract int WeightBytes { get; }

        /// <summary>
        /// How far ahead of the loads one token's product asks for each row's bytes, or 0 for none. Widening halves in
        /// registers takes enough instructions per cache line that the out-of-order window no longer keeps enough
        /// lines in flight to stream from memory: decode of an F16 model ran at half F32's bytes per second, and
        /// software prefetch 512 bytes ahead gained about a fifth (docs/performance.md). F32 rows gain nothing.
        /// </summary>
        static abstract int PrefetchAhead { get; }

        static abstract Vector512<float> Load(byte* row, int i);
    }

    private struct SingleRows : IRowFormat
    {
        public static int WeightBytes => 4;
        public static int PrefetchAhead => 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(byte* row, int i) => Vector512.Load((float*)row + i);
    }

    private struct HalfRows : IRowFormat
    {
        public static int WeightBytes => 2;
        public static int PrefetchAhead => 512;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(byte* row, int i) => FloatKernels.HalfToSingle(Vector256.Load((ushort*)row + i));
    }

    /// <summary>F16 rows whose zero-exponent halves the caller corrects (<see cref="Packing.HalfCorrections"/>).</summary>
    private struct HalfNormalRows : IRowFormat
    {
        public static int WeightBytes => 2;
        public static int PrefetchAhead => 512;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(byte* row, int i) => FloatKernels.HalfToSingleNormal(Vector256.Load((ushort*)row + i));
    }

    private struct BFloatRows : IRowFormat
    {
        public static int WeightBytes => 2;
        public static int PrefetchAhead => 512;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(byte* row, int i) => FloatKernels.BFloatToSingle(Vector256.Load((ushort*)row + i));
    }
}

/// <summary>How <see cref="FloatTiles"/> widens a row's weights.</summary>
internal enum RowFormat
{
    Single,

    /// <summary>IEEE halves, exactly.</summary>
    Half,

    /// <summary>IEEE halves widened without checking for zero exponents: exact for normal halves only.</summary>
    HalfNormal,

    BFloat,
}
