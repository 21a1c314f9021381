using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Strata.Models.Native.Packing;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// Products of <see cref="PackedMatrix"/> row groups with 8-bit activations: lane r of every vector is row r of the group.
/// Per 4-value group of a block: one broadcast of four activations and one vpdpbusd for eight rows; per block: one
/// offset correction, one conversion and one FMA for eight rows. <see cref="One"/> serves a single token (decode);
/// <see cref="Four"/> unpacks each block once for four tokens (prefill, batched decode). Needs AVX-VNNI.
/// </summary>
internal static unsafe class PackedKernels
{
    public static bool Supported(PackedFormat format) => Isa.AvxVnni;

    /// <summary>Eight dot products (rows of group <paramref name="group"/>) with one token's activations, to <paramref name="output"/>[0..7].</summary>
    public static void One(PackedMatrix m, int group, sbyte* x, float* xs, short* sums, float* output)
    {
        byte* p = m.Group(group);
        var acc = m.Format switch
        {
            PackedFormat.Q8 => Q8One(p, m.Blocks, x, xs, sums),
            PackedFormat.Q4 => Q4One(p, m.Blocks, x, xs, sums),
            PackedFormat.Q5 => Q5One(p, m.Blocks, x, xs, sums),
            PackedFormat.Q4K => Q4KOne(p, m.Blocks, x, xs, sums),
            _ => Q6KOne(p, m.Blocks, x, xs, sums),
        };
        acc.Store(output);
    }

    /// <summary>
    /// Eight dot products of group <paramref name="group"/> with each of four tokens: token t's activations at
    /// <paramref name="x"/> + t·<paramref name="xStride"/> (scales and sums likewise); results to output[8t … 8t+7].
    /// </summary>
    public static void Four(PackedMatrix m, int group, sbyte* x, long xStride, float* xs, long sStride, short* sums, long sumStride, float* output)
    {
        byte* p = m.Group(group);
        switch (m.Format)
        {
            case PackedFormat.Q8: Q8Four(p, m.Blocks, x, xStride, xs, sStride, sums, sumStride, output); break;
            case PackedFormat.Q4:
            case PackedFormat.Q5: Q4Four(p, m.Blocks, m.Format == PackedFormat.Q5, x, xStride, xs, sStride, sums, sumStride, output); break;
            case PackedFormat.Q4K: Q4KFour(p, m.Blocks, x, xStride, xs, sStride, sums, sumStride, output); break;
            default: Q6KFour(p, m.Blocks, x, xStride, xs, sStride, sums, sumStride, output); break;
        }
    }

    /// <summary>Σ over eight 4-value groups (32 values) of one token, in two chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot8(Vector256<byte> w0, Vector256<byte> w1, Vector256<byte> w2, Vector256<byte> w3,
        Vector256<byte> w4, Vector256<byte> w5, Vector256<byte> w6, Vector256<byte> w7, sbyte* x)
    {
        var a = Dot(Vector256<int>.Zero, w0, x);
        var b = Dot(Vector256<int>.Zero, w1, x + 4);
        a = Dot(a, w2, x + 8);
        b = Dot(b, w3, x + 12);
        a = Dot(a, w4, x + 16);
        b = Dot(b, w5, x + 20);
        a = Dot(a, w6, x + 24);
        b = Dot(b, w7, x + 28);
        return a + b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Finish(Vector256<int> dot, int offset, Vector256<float> scales, float activationScale, Vector256<float> acc) =>
        Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot - Vector256.Create(offset)), scales * Vector256.Create(activationScale), acc);

    private static void Q8Four(byte* p, int blocks, sbyte* x, long xStride, float* xs, long sStride, short* sums, long sumStride, float* output)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < blocks; b++, p += 288, x += 32)
        {
            byte* q = p + 32;
            var w0 = Vector256.Load(q); var w1 = Vector256.Load(q + 32); var w2 = Vector256.Load(q + 64); var w3 = Vector256.Load(q + 96);
            var w4 = Vector256.Load(q + 128); var w5 = Vector256.Load(q + 160); var w6 = Vector256.Load(q + 192); var w7 = Vector256.Load(q + 224);
            var d = Vector256.Load((float*)p);
            a0 = Finish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x), 128 * Sum32(sums, b), d, xs[b], a0);
            a1 = Finish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x + xStride), 128 * Sum32(sums + sumStride, b), d, xs[b + sStride], a1);
            a2 = Finish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x + 2 * xStride), 128 * Sum32(sums + 2 * sumStride, b), d, xs[b + 2 * sStride], a2);
            a3 = Finish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x + 3 * xStride), 128 * Sum32(sums + 3 * sumStride, b), d, xs[b + 3 * sStride], a3);
        }
        a0.Store(output);
        a1.Store(output + 8);
        a2.Store(output + 16);
        a3.Store(output + 24);
    }

    private static void Q4Four(byte* p, int blocks, bool fifthBits, sbyte* x, long xStride, float* xs, long sStride, short* sums, long sumStride, float* output)
    {
        var mask = Vector256.Create((byte)0x0F);
        int blockBytes = fifthBits ? 192 : 160, offset = fifthBits ? 16 : 8;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < blocks; b++, p += blockBytes, x += 32)
        {
            byte* n = p + 32;
            var c0 = Vector256.Load(n); var c1 = Vector256.Load(n + 32); var c2 = Vector256.Load(n + 64); var c3 = Vector256.Load(n + 96);
            var w0 = c0 & mask; var w1 = Avx2.ShiftRightLogical(c0.AsUInt16(), 4).AsByte() & mask;
            var w2 = c1 & mask; var w3 = Avx2.ShiftRightLogical(c1.AsUInt16(), 4).AsByte() & mask;
            var w4 = c2 & mask; var w5 = Avx2.ShiftRightLogical(c2.AsUInt16(), 4).AsByte() & mask;
            var w6 = c3 & mask; var w7 = Avx2.ShiftRightLogical(c3.AsUInt16(), 4).AsByte() & mask;
            if (fifthBits)
            {
                var plane = Vector256.Load((ushort*)(p + 160));
                w0 |= FifthBits(plane, 0); w1 |= FifthBits(plane, 1); w2 |= FifthBits(plane, 2); w3 |= FifthBits(plane, 3);
                w4 |= FifthBits(plane, 4); w5 |= FifthBits(plane, 5); w6 |= FifthBits(plane, 6); w7 |= FifthBits(plane, 7);
            }
            var d = Vector256.Load((float*)p);
            a0 = Finish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x), offset * Sum32(sums, b), d, xs[b], a0);
            a1 = Finish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x + xStride), offset * Sum32(sums + sumStride, b), d, xs[b + sStride], a1);
            a2 = Finish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x + 2 * xStride), offset * Sum32(sums + 2 * sumStride, b), d, xs[b + 2 * sStride], a2);
            a3 = Finish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x + 3 * xStride), offset * Sum32(sums + 3 * sumStride, b), d, xs[b + 3 * sStride], a3);
        }
        a0.Store(output);
        a1.Store(output + 8);
        a2.Store(output + 16);
        a3.Store(output + 24);
    }

    private static void Q4KFour(byte* p, int superBlocks, sbyte* x, long xStride, float* xs, long sStride, short* sums, long sumStride, float* output)
    {
        var mask = Vector256.Create((byte)0x0F);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int s = 0; s < superBlocks; s++, p += 1216)
        {
            var d = Vector256.Load((float*)p);
            var dmin = Vector256.Load((float*)p + 8);
            for (int j = 0; j < 8; j++)
            {
                byte* n = p + 192 + 128 * j;
                var c0 = Vector256.Load(n); var c1 = Vector256.Load(n + 32); var c2 = Vector256.Load(n + 64); var c3 = Vector256.Load(n + 96);
                var w0 = c0 & mask; var w1 = Avx2.ShiftRightLogical(c0.AsUInt16(), 4).AsByte() & mask;
                var w2 = c1 & mask; var w3 = Avx2.ShiftRightLogical(c1.AsUInt16(), 4).AsByte() & mask;
                var w4 = c2 & mask; var w5 = Avx2.ShiftRightLogical(c2.AsUInt16(), 4).AsByte() & mask;
                var w6 = c3 & mask; var w7 = Avx2.ShiftRightLogical(c3.AsUInt16(), 4).AsByte() & mask;
                var scale = Bytes8(p + 64 + 8 * j) * d;
                var min = Bytes8(p + 128 + 8 * j) * dmin;
                int block = 8 * s + j;
                a0 = KFinish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x + 32 * block), scale, min, xs[block], Sum32(sums, block), a0);
                a1 = KFinish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x + xStride + 32 * block), scale, min, xs[block + sStride], Sum32(sums + sumStride, block), a1);
                a2 = KFinish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x + 2 * xStride + 32 * block), scale, min, xs[block + 2 * sStride], Sum32(sums + 2 * sumStride, block), a2);
                a3 = KFinish(Dot8(w0, w1, w2, w3, w4, w5, w6, w7, x + 3 * xStride + 32 * block), scale, min, xs[block + 3 * sStride], Sum32(sums + 3 * sumStride, block), a3);
            }
        }
        a0.Store(output);
        a1.Store(output + 8);
        a2.Store(output + 16);
        a3.Store(output + 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> KFinish(Vector256<int> dot, Vector256<float> scale, Vector256<float> min, float activationScale, int sum, Vector256<float> acc)
    {
        acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), scale * Vector256.Create(activationScale), acc);
        return Fma.MultiplyAddNegated(min, Vector256.Create(activationScale * sum), acc);
    }

    private static void Q6KFour(byte* p, int superBlocks, sbyte* x, long xStride, float* xs, long sStride, short* sums, long sumStride, float* output)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int s = 0; s < superBlocks; s++, p += 2208)
        {
            var d = Vector256.Load((float*)p);
            byte* q = p + 160;
            for (int h = 0; h < 16; h++, q += 128)
            {
                var w0 = Vector256.Load(q); var w1 = Vector256.Load(q + 32); var w2 = Vector256.Load(q + 64); var w3 = Vector256.Load(q + 96);
                var scale = SBytes8((sbyte*)(p + 32 + 8 * h)) * d;
                int half = 16 * s + h, block = half / 2;
                a0 = Finish(Dot4(w0, w1, w2, w3, x + 16 * half), 32 * sums[half], scale, xs[block], a0);
                a1 = Finish(Dot4(w0, w1, w2, w3, x + xStride + 16 * half), 32 * sums[half + sumStride], scale, xs[block + sStride], a1);
                a2 = Finish(Dot4(w0, w1, w2, w3, x + 2 * xStride + 16 * half), 32 * sums[half + 2 * sumStride], scale, xs[block + 2 * sStride], a2);
                a3 = Finish(Dot4(w0, w1, w2, w3, x + 3 * xStride + 16 * half), 32 * sums[half + 3 * sumStride], scale, xs[block + 3 * sStride], a3);
            }
        }
        a0.Store(output);
        a1.Store(output + 8);
        a2.Store(output + 16);
        a3.Store(output + 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot4(Vector256<byte> w0, Vector256<byte> w1, Vector256<byte> w2, Vector256<byte> w3, sbyte* x) =>
        Dot(Dot(Vector256<int>.Zero, w0, x), w2, x + 8) + Dot(Dot(Vector256<int>.Zero, w1, x + 4), w3, x + 12);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> w, sbyte* x) =>
        AvxVnni.MultiplyWideningAndAdd(acc, w, Vector256.Create(*(int*)x).AsSByte());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Sum32(short* sums, int block) => sums[2 * block] + sums[2 * block + 1];

    private static Vector256<float> Q8One(byte* p, int blocks, sbyte* x, float* xs, short* sums)
    {
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, p += 288, x += 32)
        {
            byte* q = p + 32;
            var d0 = Dot(Vector256<int>.Zero, Vector256.Load(q), x);
            var d1 = Dot(Vector256<int>.Zero, Vector256.Load(q + 32), x + 4);
            d0 = Dot(d0, Vector256.Load(q + 64), x + 8);
            d1 = Dot(d1, Vector256.Load(q + 96), x + 12);
            d0 = Dot(d0, Vector256.Load(q + 128), x + 16);
            d1 = Dot(d1, Vector256.Load(q + 160), x + 20);
            d0 = Dot(d0, Vector256.Load(q + 192), x + 24);
            d1 = Dot(d1, Vector256.Load(q + 224), x + 28);
            // Values were stored + 128: Σ(w + 128)·x = Σw·x + 128·Σx.
            var dot = d0 + d1 - Vector256.Create(128 * Sum32(sums, b));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), Vector256.Load((float*)p) * Vector256.Create(xs[b]), acc);
        }
        return acc;
    }

    /// <summary>The Σq·x of one 32-value block packed as nibbles (four 32-byte chunks, two 4-value groups each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Nibbles(byte* n, sbyte* x)
    {
        var mask = Vector256.Create((byte)0x0F);
        var c0 = Vector256.Load(n);
        var c1 = Vector256.Load(n + 32);
        var c2 = Vector256.Load(n + 64);
        var c3 = Vector256.Load(n + 96);
        var d0 = Dot(Vector256<int>.Zero, c0 & mask, x);
        var d1 = Dot(Vector256<int>.Zero, Avx2.ShiftRightLogical(c0.AsUInt16(), 4).AsByte() & mask, x + 4);
        d0 = Dot(d0, c1 & mask, x + 8);
        d1 = Dot(d1, Avx2.ShiftRightLogical(c1.AsUInt16(), 4).AsByte() & mask, x + 12);
        d0 = Dot(d0, c2 & mask, x + 16);
        d1 = Dot(d1, Avx2.ShiftRightLogical(c2.AsUInt16(), 4).AsByte() & mask, x + 20);
        d0 = Dot(d0, c3 & mask, x + 24);
        d1 = Dot(d1, Avx2.ShiftRightLogical(c3.AsUInt16(), 4).AsByte() & mask, x + 28);
        return d0 + d1;
    }

    private static Vector256<float> Q4One(byte* p, int blocks, sbyte* x, float* xs, short* sums)
    {
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, p += 160, x += 32)
        {
            var dot = Nibbles(p + 32, x) - Vector256.Create(8 * Sum32(sums, b));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), Vector256.Load((float*)p) * Vector256.Create(xs[b]), acc);
        }
        return acc;
    }

    /// <summary>Group g's fifth bits at bit 4 of each byte (0x10 or 0): the plane's bit g moved by a 16-bit shift, then masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> FifthBits(Vector256<ushort> plane, [ConstantExpected(Max = (byte)7)] byte g)
    {
        var moved = g switch
        {
            0 => Avx2.ShiftLeftLogical(plane, 4),
            1 => Avx2.ShiftLeftLogical(plane, 3),
            2 => Avx2.ShiftLeftLogical(plane, 2),
            3 => Avx2.ShiftLeftLogical(plane, 1),
            4 => plane,
            5 => Avx2.ShiftRightLogical(plane, 1),
            6 => Avx2.ShiftRightLogical(plane, 2),
            _ => Avx2.ShiftRightLogical(plane, 3),
        };
        return moved.AsByte() & Vector256.Create((byte)0x10);
    }

    private static Vector256<float> Q5One(byte* p, int blocks, sbyte* x, float* xs, short* sums)
    {
        var acc = Vector256<float>.Zero;
        var mask = Vector256.Create((byte)0x0F);
        for (int b = 0; b < blocks; b++, p += 192, x += 32)
        {
            byte* n = p + 32;
            var plane = Vector256.Load((ushort*)(p + 160));
            var c0 = Vector256.Load(n); var c1 = Vector256.Load(n + 32); var c2 = Vector256.Load(n + 64); var c3 = Vector256.Load(n + 96);
            var d0 = Dot(Vector256<int>.Zero, (c0 & mask) | FifthBits(plane, 0), x);
            var d1 = Dot(Vector256<int>.Zero, (Avx2.ShiftRightLogical(c0.AsUInt16(), 4).AsByte() & mask) | FifthBits(plane, 1), x + 4);
            d0 = Dot(d0, (c1 & mask) | FifthBits(plane, 2), x + 8);
            d1 = Dot(d1, (Avx2.ShiftRightLogical(c1.AsUInt16(), 4).AsByte() & mask) | FifthBits(plane, 3), x + 12);
            d0 = Dot(d0, (c2 & mask) | FifthBits(plane, 4), x + 16);
            d1 = Dot(d1, (Avx2.ShiftRightLogical(c2.AsUInt16(), 4).AsByte() & mask) | FifthBits(plane, 5), x + 20);
            d0 = Dot(d0, (c3 & mask) | FifthBits(plane, 6), x + 24);
            d1 = Dot(d1, (Avx2.ShiftRightLogical(c3.AsUInt16(), 4).AsByte() & mask) | FifthBits(plane, 7), x + 28);
            var dot = d0 + d1 - Vector256.Create(16 * Sum32(sums, b));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), Vector256.Load((float*)p) * Vector256.Create(xs[b]), acc);
        }
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Bytes8(byte* p) => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SBytes8(sbyte* p) => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(p));

    private static Vector256<float> Q4KOne(byte* p, int superBlocks, sbyte* x, float* xs, short* sums)
    {
        var acc = Vector256<float>.Zero;
        for (int s = 0; s < superBlocks; s++, p += 1216, x += 256, xs += 8, sums += 16)
        {
            var d = Vector256.Load((float*)p);
            var dmin = Vector256.Load((float*)p + 8);
            for (int j = 0; j < 8; j++)
            {
                var dot = Nibbles(p + 192 + 128 * j, x + 32 * j);
                acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), Bytes8(p + 64 + 8 * j) * d * Vector256.Create(xs[j]), acc);
                acc = Fma.MultiplyAddNegated(Bytes8(p + 128 + 8 * j) * dmin, Vector256.Create(xs[j] * Sum32(sums, j)), acc);
            }
        }
        return acc;
    }

    private static Vector256<float> Q6KOne(byte* p, int superBlocks, sbyte* x, float* xs, short* sums)
    {
        var acc = Vector256<float>.Zero;
        for (int s = 0; s < superBlocks; s++, p += 2208, x += 256, xs += 8, sums += 16)
        {
            var d = Vector256.Load((float*)p);
            byte* q = p + 160;
            for (int h = 0; h < 16; h++, q += 128)
            {
                // Sixteen values: four 4-value groups; values stored unsigned, offset 32.
                var d0 = Dot(Vector256<int>.Zero, Vector256.Load(q), x + 16 * h);
                var d1 = Dot(Vector256<int>.Zero, Vector256.Load(q + 32), x + 16 * h + 4);
                d0 = Dot(d0, Vector256.Load(q + 64), x + 16 * h + 8);
                d1 = Dot(d1, Vector256.Load(q + 96), x + 16 * h + 12);
                var dot = d0 + d1 - Vector256.Create(32 * (int)sums[h]);
                acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), SBytes8((sbyte*)(p + 32 + 8 * h)) * d * Vector256.Create(xs[h / 2]), acc);
            }
        }
        return acc;
    }
}
