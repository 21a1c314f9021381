using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Strata.Models.Quantization;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// Dot products of one ggml-quantized weight row with one row of <see cref="QuantizedActivations"/>. Weight blocks are
/// read in place from the (memory-mapped) file in ggml's layout. Integer products per 32 values (VNNI's vpdpbusd, or
/// AVX2's maddubs + madd), scaled in float. Weights stored with an offset (Q4_0: q−8, Q5_0: q−16, Q6_K: q−32) or a
/// minimum (Q4_K) are multiplied as unsigned values and corrected with the activations' block sums, so every format
/// takes the fast unsigned × signed instruction. Each has a scalar twin written from ggml's dequantisation formulas.
/// </summary>
internal static unsafe class QuantizedDot
{
    public const int Q8_0Bytes = 34, Q4_0Bytes = 18, Q5_0Bytes = 22, Q4_KBytes = 144, Q6_KBytes = 210;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Half(byte* p) => HalfTable.At(p);

    /// <summary>Σ u·s per group of four bytes: (8 × int32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> DotBytes(Vector256<byte> u, Vector256<sbyte> s) =>
        Isa.AvxVnni
            ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, s)
            : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256.Create((short)1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Nibbles(Vector128<byte> packed)
    {
        var mask = Vector128.Create((byte)0x0F);
        var high = Sse2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte();
        return Vector256.Create(packed & mask, high & mask);
    }

    // ---- Q8_0: d, qs[32] ----

    public static float DotQ8_0(byte* w, sbyte* x, float* scales, int columns)
    {
        if (!Isa.Avx2) return DotQ8_0Scalar(w, x, scales, columns);
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < columns / 32; b++, w += Q8_0Bytes)
        {
            var q = Vector256.Load((sbyte*)(w + 2));
            var a = Vector256.Load(x + b * 32);
            // vpdpbusd multiplies unsigned by signed: move the weight's sign onto the activation.
            var dot = DotBytes(Avx2.Abs(q), Avx2.Sign(a, q));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), Vector256.Create(Half(w) * scales[b]), acc);
        }
        return Vector256.Sum(acc);
    }

    public static float DotQ8_0Scalar(byte* w, sbyte* x, float* scales, int columns)
    {
        float sum = 0;
        for (int b = 0; b < columns / 32; b++, w += Q8_0Bytes)
        {
            int dot = 0;
            for (int i = 0; i < 32; i++) dot += ((sbyte*)(w + 2))[i] * x[b * 32 + i];
            sum += Half(w) * scales[b] * dot;
        }
        return sum;
    }

    // ---- Q4_0: d, qs[16]; value j = (qs[j] & 15) − 8, value j+16 = (qs[j] >> 4) − 8 ----

    public static float DotQ4_0(byte* w, sbyte* x, float* scales, short* sums, int columns)
    {
        if (!Isa.Avx2) return DotQ4_0Scalar(w, x, scales, sums, columns);
        var acc = Vector256<float>.Zero;
        float offset = 0;
        for (int b = 0; b < columns / 32; b++, w += Q4_0Bytes)
        {
            float d = Half(w) * scales[b];
            var dot = DotBytes(Nibbles(Vector128.Load(w + 2)), Vector256.Load(x + b * 32));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), Vector256.Create(d), acc);
            offset += d * (sums[2 * b] + sums[2 * b + 1]);
        }
        return Vector256.Sum(acc) - 8 * offset;
    }

    public static float DotQ4_0Scalar(byte* w, sbyte* x, float* scales, short* sums, int columns)
    {
        float sum = 0;
        for (int b = 0; b < columns / 32; b++, w += Q4_0Bytes)
        {
            int dot = 0;
            for (int j = 0; j < 16; j++)
            {
                dot += ((w[2 + j] & 15) - 8) * x[b * 32 + j];
                dot += ((w[2 + j] >> 4) - 8) * x[b * 32 + j + 16];
            }
            sum += Half(w) * scales[b] * dot;
        }
        return sum;
    }

    // ---- Q5_0: d, qh (32 high bits), qs[16]; value j = ((qs[j] & 15) | bit j << 4) − 16, value j+16 likewise ----

    public static float DotQ5_0(byte* w, sbyte* x, float* scales, short* sums, int columns)
    {
        if (!Isa.Avx2) return DotQ5_0Scalar(w, x, scales, sums, columns);
        var acc = Vector256<float>.Zero;
        float offset = 0;
        for (int b = 0; b < columns / 32; b++, w += Q5_0Bytes)
        {
            float d = Half(w) * scales[b];
            var q = Nibbles(Vector128.Load(w + 6)) | (HighBits(*(uint*)(w + 2)) & Vector256.Create((byte)0x10));
            var dot = DotBytes(q, Vector256.Load(x + b * 32));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), Vector256.Create(d), acc);
            offset += d * (sums[2 * b] + sums[2 * b + 1]);
        }
        return Vector256.Sum(acc) - 16 * offset;
    }

    /// <summary>Byte i = 0xFF when bit i of <paramref name="bits"/> is set (ggml's bytes_from_bits_32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> HighBits(uint bits)
    {
        var spread = Avx2.Shuffle(Vector256.Create(bits).AsByte(),
            Vector256.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var marked = spread | Vector256.Create(0x7FBFDFEFF7FBFDFEul).AsByte();
        return Avx2.CompareEqual(marked, Vector256<byte>.AllBitsSet);
    }

    public static float DotQ5_0Scalar(byte* w, sbyte* x, float* scales, short* sums, int columns)
    {
        float sum = 0;
        for (int b = 0; b < columns / 32; b++, w += Q5_0Bytes)
        {
            uint high = *(uint*)(w + 2);
            int dot = 0;
            for (int j = 0; j < 16; j++)
            {
                int lo = (w[6 + j] & 15) | (int)((high >> j) & 1) << 4;
                int hi = (w[6 + j] >> 4) | (int)((high >> (j + 16)) & 1) << 4;
                dot += (lo - 16) * x[b * 32 + j] + (hi - 16) * x[b * 32 + j + 16];
            }
            sum += Half(w) * scales[b] * dot;
        }
        return sum;
    }

    // ---- Q4_K: d, dmin, scales[12] (eight 6-bit scales and mins), qs[128]; value = d·sc·q − dmin·m ----


    public static float DotQ4_K(byte* w, sbyte* x, float* scales, short* sums, int columns)
    {
        if (!Isa.Avx2) return DotQ4_KScalar(w, x, scales, sums, columns);
        var acc = Vector256<float>.Zero;
        float mins = 0;
        var mask = Vector256.Create((byte)0x0F);
        for (int s = 0; s < columns / 256; s++, w += Q4_KBytes)
        {
            float d = Half(w), dmin = Half(w + 2);
            byte* packed = w + 4, qs = w + 16;
            for (int c = 0; c < 4; c++)
            {
                var raw = Vector256.Load(qs + 32 * c);
                int block = s * 8 + 2 * c;
                var (scLow, mLow) = QuantMath.ScaleMinK4(2 * c, new ReadOnlySpan<byte>(packed, 12));
                var (scHigh, mHigh) = QuantMath.ScaleMinK4(2 * c + 1, new ReadOnlySpan<byte>(packed, 12));
                var low = DotBytes(raw & mask, Vector256.Load(x + block * 32));
                var high = DotBytes(Avx2.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & mask, Vector256.Load(x + block * 32 + 32));
                acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(low), Vector256.Create(d * scLow * scales[block]), acc);
                acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(high), Vector256.Create(d * scHigh * scales[block + 1]), acc);
                mins += dmin * (mLow * scales[block] * (sums[2 * block] + sums[2 * block + 1])
                              + mHigh * scales[block + 1] * (sums[2 * block + 2] + sums[2 * block + 3]));
            }
        }
        return Vector256.Sum(acc) - mins;
    }

    public static float DotQ4_KScalar(byte* w, sbyte* x, float* scales, short* sums, int columns)
    {
        float sum = 0;
        for (int s = 0; s < columns / 256; s++, w += Q4_KBytes)
        {
            float d = Half(w), dmin = Half(w + 2);
            for (int j = 0; j < 8; j++)
            {
                var (sc, m) = QuantMath.ScaleMinK4(j, new ReadOnlySpan<byte>(w + 4, 12));
                int block = s * 8 + j;
                byte* q = w + 16 + 32 * (j / 2);
                float part = 0;
                for (int i = 0; i < 32; i++)
                {
                    int value = j % 2 == 0 ? q[i] & 15 : q[i] >> 4;
                    part += (d * sc * value - dmin * m) * x[block * 32 + i];
                }
                sum += part * scales[block];
            }
        }
        return sum;
    }

    // ---- Q6_K: ql[128], qh[64], scales[16] (int8, one per 16), d; value = d·sc·(q − 32), q six bits ----

    public static float DotQ6_K(byte* w, sbyte* x, float* scales, short* sums, int columns)
    {
        if (!Isa.Avx2) return DotQ6_KScalar(w, x, scales, sums, columns);
        var acc = Vector256<float>.Zero;
        float offset = 0;
        var low4 = Vector256.Create((byte)0x0F);
        var two = Vector256.Create((byte)0x03);
        for (int s = 0; s < columns / 256; s++, w += Q6_KBytes)
        {
            float d = Half(w + 208);
            sbyte* sc = (sbyte*)(w + 192);
            for (int half = 0; half < 2; half++)
            {
                byte* ql = w + 64 * half, qh = w + 128 + 32 * half;
                var l0 = Vector256.Load(ql);
                var l1 = Vector256.Load(ql + 32);
                var h = Vector256.Load(qh);
                var h16 = h.AsUInt16();
                // The four 32-value groups of this half: low/high nibbles of ql, two bits each of qh.
                var q0 = (l0 & low4) | Avx2.ShiftLeftLogical((h & two).AsUInt16(), 4).AsByte();
                var q1 = (l1 & low4) | Avx2.ShiftLeftLogical((Avx2.ShiftRightLogical(h16, 2).AsByte() & two).AsUInt16(), 4).AsByte();
                var q2 = (Avx2.ShiftRightLogical(l0.AsUInt16(), 4).AsByte() & low4) | Avx2.ShiftLeftLogical((Avx2.ShiftRightLogical(h16, 4).AsByte() & two).AsUInt16(), 4).AsByte();
                var q3 = (Avx2.ShiftRightLogical(l1.AsUInt16(), 4).AsByte() & low4) | Avx2.ShiftLeftLogical((Avx2.ShiftRightLogical(h16, 6).AsByte() & two).AsUInt16(), 4).AsByte();
                int first = s * 8 + half * 4;   // activation block of q0
                acc = Group(q0, first, sc + 8 * half + 0, acc, ref offset);
                acc = Group(q1, first + 1, sc + 8 * half + 2, acc, ref offset);
                acc = Group(q2, first + 2, sc + 8 * half + 4, acc, ref offset);
                acc = Group(q3, first + 3, sc + 8 * half + 6, acc, ref offset);
            }

            Vector256<float> Group(Vector256<byte> q, int block, sbyte* groupScales, Vector256<float> total, ref float offsetSum)
            {
                // Lanes 0-3 of the integer dot cover values 0-15 (first scale), lanes 4-7 values 16-31 (second).
                var dot = Avx.ConvertToVector256Single(DotBytes(q, Vector256.Load(x + block * 32)));
                float unit = d * scales[block];
                float a = unit * groupScales[0], b = unit * groupScales[1];
                offsetSum += a * sums[2 * block] + b * sums[2 * block + 1];
                return Fma.MultiplyAdd(dot, Vector256.Create(a, a, a, a, b, b, b, b), total);
            }
        }
        return Vector256.Sum(acc) - 32 * offset;
    }

    public static float DotQ6_KScalar(byte* w, sbyte* x, float* scales, short* sums, int columns)
    {
        float sum = 0;
        for (int s = 0; s < columns / 256; s++, w += Q6_KBytes)
        {
            float d = Half(w + 208);
            sbyte* sc = (sbyte*)(w + 192);
            for (int half = 0; half < 2; half++)
            {
                byte* ql = w + 64 * half, qh = w + 128 + 32 * half;
                for (int l = 0; l < 32; l++)
                {
                    int q1 = ((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32;
                    int q2 = ((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32;
                    int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
                    int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
                    int element = s * 256 + half * 128 + l;
                    int g = l / 16;
                    sum += d * sc[8 * half + g + 0] * q1 * x[element] * scales[element / 32];
                    sum += d * sc[8 * half + g + 2] * q2 * x[element + 32] * scales[(element + 32) / 32];
                    sum += d * sc[8 * half + g + 4] * q3 * x[element + 64] * scales[(element + 64) / 32];
                    sum += d * sc[8 * half + g + 6] * q4 * x[element + 96] * scales[(element + 96) / 32];
                }
            }
        }
        return sum;
    }
}
