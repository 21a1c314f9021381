using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// Rows of activations quantized to 8 bits for integer dot products with quantized weights, as ggml quantizes them to
/// Q8_0/Q8_K, but laid out for the kernels rather than for files: per row, the int8 values contiguous, one float scale
/// per 32 values, and the sum of every 16 values (the correction terms of weights stored with an offset or a minimum:
/// Q4_0's −8, Q6_K's −32, Q4_K's mins). One scale per 32 serves every weight format, K-quants included, since their
/// sub-blocks are 16 or 32 wide.
/// </summary>
internal readonly unsafe struct QuantizedActivations(sbyte* values, float* scales, short* sums, int columns)
{
    public readonly sbyte* Values = values;
    public readonly float* Scales = scales;
    public readonly short* Sums = sums;
    public readonly int Columns = columns;

    public sbyte* RowValues(int row) => Values + (long)row * Columns;

    public float* RowScales(int row) => Scales + (long)row * (Columns / 32);

    public short* RowSums(int row) => Sums + (long)row * (Columns / 16);

    /// <summary>Bytes needed for <paramref name="rows"/> rows of <paramref name="columns"/>.</summary>
    public static long BytesFor(int rows, int columns) => (long)rows * (columns + columns / 32 * 4 + columns / 16 * 2) + 192;

    /// <summary>Lays out rows × columns in <paramref name="memory"/> (64-byte aligned, <see cref="BytesFor"/> long).</summary>
    public static QuantizedActivations In(byte* memory, int rows, int columns)
    {
        long values = (long)rows * columns;
        var scales = (float*)(memory + Align(values));
        var sums = (short*)((byte*)scales + Align((long)rows * (columns / 32) * 4));
        return new QuantizedActivations((sbyte*)memory, scales, sums, columns);
    }

    private static long Align(long bytes) => (bytes + 63) & ~63L;

    /// <summary>Quantizes one row of <see cref="Columns"/> floats (a multiple of 32): scale = max|x|/127, values rounded to nearest.</summary>
    public void Quantize(int row, float* x)
    {
        if (Isa.Avx2) QuantizeAvx2(x, RowValues(row), RowScales(row), RowSums(row), Columns);
        else QuantizeScalar(x, RowValues(row), RowScales(row), RowSums(row), Columns);
    }

    public static void QuantizeScalar(float* x, sbyte* q, float* scales, short* sums, int columns)
    {
        for (int b = 0; b < columns / 32; b++)
        {
            float* block = x + b * 32;
            float max = 0;
            for (int i = 0; i < 32; i++) max = MathF.Max(max, MathF.Abs(block[i]));
            float scale = max / 127f;
            float inverse = scale == 0 ? 0 : 1f / scale;
            scales[b] = scale;
            for (int half = 0; half < 2; half++)
            {
                int sum = 0;
                for (int i = half * 16; i < half * 16 + 16; i++)
                {
                    int value = (int)MathF.Round(block[i] * inverse, MidpointRounding.ToEven);
                    q[b * 32 + i] = (sbyte)value;
                    sum += value;
                }
                sums[b * 2 + half] = (short)sum;
            }
        }
    }

    private static void QuantizeAvx2(float* x, sbyte* q, float* scales, short* sums, int columns)
    {
        var signMask = Vector256.Create(-0.0f);
        for (int b = 0; b < columns / 32; b++)
        {
            float* block = x + b * 32;
            var v0 = Vector256.Load(block);
            var v1 = Vector256.Load(block + 8);
            var v2 = Vector256.Load(block + 16);
            var v3 = Vector256.Load(block + 24);
            var max = Avx.Max(Avx.Max(Avx.AndNot(signMask, v0), Avx.AndNot(signMask, v1)),
                              Avx.Max(Avx.AndNot(signMask, v2), Avx.AndNot(signMask, v3)));
            var m = Avx.Max(max, Avx.Permute2x128(max, max, 1));
            m = Avx.Max(m, Avx.Permute(m, 0b01_00_11_10));
            m = Avx.Max(m, Avx.Permute(m, 0b10_11_00_01));
            float amax = m.ToScalar();
            float scale = amax / 127f;
            scales[b] = scale;
            var inverse = Vector256.Create(scale == 0 ? 0 : 1f / scale);
            // Rounds to nearest even (MXCSR default), as ggml's AVX quantizer does.
            var i0 = Avx.ConvertToVector256Int32(v0 * inverse);
            var i1 = Avx.ConvertToVector256Int32(v1 * inverse);
            var i2 = Avx.ConvertToVector256Int32(v2 * inverse);
            var i3 = Avx.ConvertToVector256Int32(v3 * inverse);
            sums[b * 2] = (short)Vector256.Sum(i0 + i1);
            sums[b * 2 + 1] = (short)Vector256.Sum(i2 + i3);
            // Packing works within 128-bit lanes; the final permute restores element order.
            var p01 = Avx2.PackSignedSaturate(i0, i1);
            var p23 = Avx2.PackSignedSaturate(i2, i3);
            var bytes = Avx2.PackSignedSaturate(p01, p23);
            var ordered = Avx2.PermuteVar8x32(bytes.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7));
            ordered.AsSByte().Store(q + b * 32);
        }
    }
}
