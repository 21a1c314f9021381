using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Models.Native.Kernels;

/// <summary>How a 32-value ggml block stores unsigned quants with a fixed offset (Q4_0: q − 8, Q5_0: q − 16).</summary>
internal unsafe interface IOffsetBlocks
{
    static abstract int Bytes { get; }

    static abstract byte Offset { get; }

    /// <summary>The 32 unsigned quants of the block at <paramref name="block"/>.</summary>
    static abstract Vector256<byte> Quants(byte* block);

    /// <summary>Byte offset of the block's half-precision scale.</summary>
    static abstract int ScaleAt { get; }
}

internal unsafe struct Q4_0Blocks : IOffsetBlocks
{
    public static int Bytes => 18;
    public static byte Offset => 8;
    public static int ScaleAt => 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Quants(byte* block) => QuantizedTiles.Nibbles(Vector128.Load(block + 2));
}

internal unsafe struct Q5_0Blocks : IOffsetBlocks
{
    public static int Bytes => 22;
    public static byte Offset => 16;
    public static int ScaleAt => 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Quants(byte* block) =>
        QuantizedTiles.Nibbles(Vector128.Load(block + 6)) | (QuantizedTiles.HighBits(*(uint*)(block + 2)) & Vector256.Create((byte)0x10));
}

/// <summary>
/// Register-blocked integer products of quantized weights with 8-bit activations: four weight rows against four tokens
/// (prefill, batched decode) or one token (decode). Each unpacked weight block serves every token of the tile and each
/// activation block every row; the four rows' accumulation chains run side by side instead of one latency-bound chain.
/// Offsets are folded into the integer product's addend (−offset·Σx per four values, computed once per token and
/// block), so a block costs one vpdpbusd, one conversion and one FMA per row and token. Needs AVX-VNNI.
/// </summary>
internal static unsafe class QuantizedTiles
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> Nibbles(Vector128<byte> packed)
    {
        var mask = Vector128.Create((byte)0x0F);
        return Vector256.Create(packed & mask, Sse2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> HighBits(uint bits)
    {
        var spread = Avx2.Shuffle(Vector256.Create(bits).AsByte(),
            Vector256.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        return Avx2.CompareEqual(spread | Vector256.Create(0x7FBFDFEFF7FBFDFEul).AsByte(), Vector256<byte>.AllBitsSet);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Half(byte* p) => HalfTable.At(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<int> addend, Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.MultiplyWideningAndAdd(addend, u, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(Vector256<int> dot, float scale, Vector256<float> acc) =>
        System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), Vector256.Create(scale), acc);

    // ---------------- Q4_0 / Q5_0 ----------------

    /// <summary>out[r] for rows r = 0..3 (row stride <paramref name="rowBytes"/>) and one token.</summary>
    public static void Offset4x1<T>(byte* w, long rowBytes, sbyte* x, float* xs, int blocks, float* output) where T : IOffsetBlocks
    {
        var offset = Vector256.Create(T.Offset);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < blocks; b++, x += 32, w += T.Bytes)
        {
            var v = Vector256.Load(x);
            var correction = Vector256<int>.Zero - Dot(Vector256<int>.Zero, offset, v);
            float s = xs[b];
            a0 = Fma(Dot(correction, T.Quants(w), v), Half(w + T.ScaleAt) * s, a0);
            a1 = Fma(Dot(correction, T.Quants(w + rowBytes), v), Half(w + rowBytes + T.ScaleAt) * s, a1);
            a2 = Fma(Dot(correction, T.Quants(w + 2 * rowBytes), v), Half(w + 2 * rowBytes + T.ScaleAt) * s, a2);
            a3 = Fma(Dot(correction, T.Quants(w + 3 * rowBytes), v), Half(w + 3 * rowBytes + T.ScaleAt) * s, a3);
        }
        output[0] = Vector256.Sum(a0);
        output[1] = Vector256.Sum(a1);
        output[2] = Vector256.Sum(a2);
        output[3] = Vector256.Sum(a3);
    }

    /// <summary>out[t·4 + r] for rows r = 0..3 and tokens t = 0..3 (token stride <paramref name="xStride"/> values, <paramref name="sStride"/> scales).</summary>
    public static void Offset4x4<T>(byte* w, long rowBytes, sbyte* x, long xStride, float* xs, long sStride, int blocks, float* output) where T : IOffsetBlocks
    {
        var offset = Vector256.Create(T.Offset);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
        for (int b = 0; b < blocks; b++, x += 32, w += T.Bytes)
        {
            var v0 = Vector256.Load(x);
            var v1 = Vector256.Load(x + xStride);
            var v2 = Vector256.Load(x + 2 * xStride);
            var v3 = Vector256.Load(x + 3 * xStride);
            var c0 = Vector256<int>.Zero - Dot(Vector256<int>.Zero, offset, v0);
            var c1 = Vector256<int>.Zero - Dot(Vector256<int>.Zero, offset, v1);
            var c2 = Vector256<int>.Zero - Dot(Vector256<int>.Zero, offset, v2);
            var c3 = Vector256<int>.Zero - Dot(Vector256<int>.Zero, offset, v3);
            float s0 = xs[b], s1 = xs[b + sStride], s2 = xs[b + 2 * sStride], s3 = xs[b + 3 * sStride];

            var q = T.Quants(w);
            float d = Half(w + T.ScaleAt);
            a00 = Fma(Dot(c0, q, v0), d * s0, a00); a01 = Fma(Dot(c1, q, v1), d * s1, a01);
            a02 = Fma(Dot(c2, q, v2), d * s2, a02); a03 = Fma(Dot(c3, q, v3), d * s3, a03);
            q = T.Quants(w + rowBytes);
            d = Half(w + rowBytes + T.ScaleAt);
            a10 = Fma(Dot(c0, q, v0), d * s0, a10); a11 = Fma(Dot(c1, q, v1), d * s1, a11);
            a12 = Fma(Dot(c2, q, v2), d * s2, a12); a13 = Fma(Dot(c3, q, v3), d * s3, a13);
            q = T.Quants(w + 2 * rowBytes);
            d = Half(w + 2 * rowBytes + T.ScaleAt);
            a20 = Fma(Dot(c0, q, v0), d * s0, a20); a21 = Fma(Dot(c1, q, v1), d * s1, a21);
            a22 = Fma(Dot(c2, q, v2), d * s2, a22); a23 = Fma(Dot(c3, q, v3), d * s3, a23);
            q = T.Quants(w + 3 * rowBytes);
            d = Half(w + 3 * rowBytes + T.ScaleAt);
            a30 = Fma(Dot(c0, q, v0), d * s0, a30); a31 = Fma(Dot(c1, q, v1), d * s1, a31);
            a32 = Fma(Dot(c2, q, v2), d * s2, a32); a33 = Fma(Dot(c3, q, v3), d * s3, a33);
        }
        Store4x4(output, a00, a10, a20, a30, a01, a11, a21, a31, a02, a12, a22, a32, a03, a13, a23, a33);
    }

    // ---------------- Q8_0 ----------------
    // Signed weights: the activations are offset instead (x + 128 is unsigned), and 128·Σw per row and block comes
    // off through the addend, computed once per row and block and shared by the tile's tokens.

    public static void Q8_0x1(byte* w, long rowBytes, sbyte* x, float* xs, int blocks, float* output)
    {
        var flip = Vector256.Create((byte)0x80);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < blocks; b++, x += 32, w += 34)
        {
            var u = Vector256.Load((byte*)x) ^ flip;
            float s = xs[b];
            a0 = Fma(SignedDot(u, w, flip), Half(w) * s, a0);
            a1 = Fma(SignedDot(u, w + rowBytes, flip), Half(w + rowBytes) * s, a1);
            a2 = Fma(SignedDot(u, w + 2 * rowBytes, flip), Half(w + 2 * rowBytes) * s, a2);
            a3 = Fma(SignedDot(u, w + 3 * rowBytes, flip), Half(w + 3 * rowBytes) * s, a3);
        }
        output[0] = Vector256.Sum(a0);
        output[1] = Vector256.Sum(a1);
        output[2] = Vector256.Sum(a2);
        output[3] = Vector256.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SignedDot(Vector256<byte> offsetActivations, byte* block, Vector256<byte> flip)
    {
        var q = Vector256.Load((sbyte*)(block + 2));
        return Dot(Vector256<int>.Zero - Dot(Vector256<int>.Zero, flip, q), offsetActivations, q);
    }

    public static void Q8_0x4(byte* w, long rowBytes, sbyte* x, long xStride, float* xs, long sStride, int blocks, float* output)
    {
        var flip = Vector256.Create((byte)0x80);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
        for (int b = 0; b < blocks; b++, x += 32, w += 34)
        {
            var u0 = Vector256.Load((byte*)x) ^ flip;
            var u1 = Vector256.Load((byte*)(x + xStride)) ^ flip;
            var u2 = Vector256.Load((byte*)(x + 2 * xStride)) ^ flip;
            var u3 = Vector256.Load((byte*)(x + 3 * xStride)) ^ flip;
            float s0 = xs[b], s1 = xs[b + sStride], s2 = xs[b + 2 * sStride], s3 = xs[b + 3 * sStride];

            var q = Vector256.Load((sbyte*)(w + 2));
            var c = Vector256<int>.Zero - Dot(Vector256<int>.Zero, flip, q);
            float d = Half(w);
            a00 = Fma(Dot(c, u0, q), d * s0, a00); a01 = Fma(Dot(c, u1, q), d * s1, a01);
            a02 = Fma(Dot(c, u2, q), d * s2, a02); a03 = Fma(Dot(c, u3, q), d * s3, a03);
            q = Vector256.Load((sbyte*)(w + rowBytes + 2));
            c = Vector256<int>.Zero - Dot(Vector256<int>.Zero, flip, q);
            d = Half(w + rowBytes);
            a10 = Fma(Dot(c, u0, q), d * s0, a10); a11 = Fma(Dot(c, u1, q), d * s1, a11);
            a12 = Fma(Dot(c, u2, q), d * s2, a12); a13 = Fma(Dot(c, u3, q), d * s3, a13);
            q = Vector256.Load((sbyte*)(w + 2 * rowBytes + 2));
            c = Vector256<int>.Zero - Dot(Vector256<int>.Zero, flip, q);
            d = Half(w + 2 * rowBytes);
            a20 = Fma(Dot(c, u0, q), d * s0, a20); a21 = Fma(Dot(c, u1, q), d * s1, a21);
            a22 = Fma(Dot(c, u2, q), d * s2, a22); a23 = Fma(Dot(c, u3, q), d * s3, a23);
            q = Vector256.Load((sbyte*)(w + 3 * rowBytes + 2));
            c = Vector256<int>.Zero - Dot(Vector256<int>.Zero, flip, q);
            d = Half(w + 3 * rowBytes);
            a30 = Fma(Dot(c, u0, q), d * s0, a30); a31 = Fma(Dot(c, u1, q), d * s1, a31);
            a32 = Fma(Dot(c, u2, q), d * s2, a32); a33 = Fma(Dot(c, u3, q), d * s3, a33);
        }
        Store4x4(output, a00, a10, a20, a30, a01, a11, a21, a31, a02, a12, a22, a32, a03, a13, a23, a33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store4x4(float* output,
        Vector256<float> t0r0, Vector256<float> t0r1, Vector256<float> t0r2, Vector256<float> t0r3,
        Vector256<float> t1r0, Vector256<float> t1r1, Vector256<float> t1r2, Vector256<float> t1r3,
        Vector256<float> t2r0, Vector256<float> t2r1, Vector256<float> t2r2, Vector256<float> t2r3,
        Vector256<float> t3r0, Vector256<float> t3r1, Vector256<float> t3r2, Vector256<float> t3r3)
    {
        output[0] = Vector256.Sum(t0r0); output[1] = Vector256.Sum(t0r1); output[2] = Vector256.Sum(t0r2); output[3] = Vector256.Sum(t0r3);
        output[4] = Vector256.Sum(t1r0); output[5] = Vector256.Sum(t1r1); output[6] = Vector256.Sum(t1r2); output[7] = Vector256.Sum(t1r3);
        output[8] = Vector256.Sum(t2r0); output[9] = Vector256.Sum(t2r1); output[10] = Vector256.Sum(t2r2); output[11] = Vector256.Sum(t2r3);
        output[12] = Vector256.Sum(t3r0); output[13] = Vector256.Sum(t3r1); output[14] = Vector256.Sum(t3r2); output[15] = Vector256.Sum(t3r3);
    }
}
