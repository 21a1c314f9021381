using System.Runtime.InteropServices;
using Strata.Models.Native.Kernels;

namespace Strata.Models.Tests.Native;

/// <summary>
/// Every SIMD kernel against its scalar twin on random data: the scalar paths are what <c>STRATA_NATIVE_SCALAR=1</c> runs
/// and what a machine without AVX2 gets, so they must give the same numbers.
/// </summary>
public unsafe class KernelTests
{
    private static readonly int[] Widths = [256, 576, 1536];

    [Fact]
    public void FloatDotsMatchScalarSums()
    {
        var random = new Random(1);
        foreach (int n in new[] { 7, 64, 576, 1000 })
        {
            var w = RandomFloats(random, n);
            var x = RandomFloats(random, n);
            var half = w.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
            var bf = w.Select(v => (ushort)(BitConverter.SingleToInt32Bits(v) >> 16)).ToArray();
            double expected = 0, expectedHalf = 0, expectedBf = 0;
            for (int i = 0; i < n; i++)
            {
                expected += (double)w[i] * x[i];
                expectedHalf += (double)(float)BitConverter.UInt16BitsToHalf(half[i]) * x[i];
                expectedBf += (double)BitConverter.Int32BitsToSingle(bf[i] << 16) * x[i];
            }
            fixed (float* pw = w, px = x)
            fixed (ushort* ph = half, pb = bf)
            {
                Assert.Equal(expected, FloatKernels.DotF32(pw, px, n), 1e-3);
                Assert.Equal(expectedHalf, FloatKernels.DotF16(ph, px, n), 1e-3);
                Assert.Equal(expectedBf, FloatKernels.DotBF16(pb, px, n), 1e-3);
            }
        }
    }

    [Fact]
    public void HalfConversionIsExactForEveryFiniteHalf()
    {
        var halves = Enumerable.Range(0, 65536).Select(i => (ushort)i)
            .Where(h => (h & 0x7C00) != 0x7C00).ToArray();   // no inf/NaN: weights and caches never hold them
        var converted = new float[halves.Length];
        fixed (ushort* source = halves)
        fixed (float* destination = converted)
        {
            FloatKernels.HalfToSingle(source, destination, halves.Length);
        }
        for (int i = 0; i < halves.Length; i++)
        {
            Assert.Equal((float)BitConverter.UInt16BitsToHalf(halves[i]), converted[i]);
        }
    }

    [Fact]
    public void ActivationQuantizerMatchesScalar()
    {
        var random = new Random(2);
        foreach (int n in Widths)
        {
            var x = RandomFloats(random, n);
            x[5] = 0;
            var (fast, fastScales, fastSums) = Quantize(x, scalar: false);
            var (slow, slowScales, slowSums) = Quantize(x, scalar: true);
            Assert.Equal(slowScales, fastScales);
            Assert.Equal(slowSums, fastSums);
            Assert.Equal(slow, fast);
            // What it means: each value within half a step of x / scale.
            for (int i = 0; i < n; i++) Assert.True(Math.Abs(x[i] - fast[i] * fastScales[i / 32]) <= fastScales[i / 32] * 0.5001f);
        }
    }

    [Fact]
    public void AllZeroBlockQuantizesToZeros()
    {
        var (values, scales, sums) = Quantize(new float[64], scalar: false);
        Assert.All(values, v => Assert.Equal(0, v));
        Assert.All(scales, s => Assert.Equal(0f, s));
        Assert.All(sums, s => Assert.Equal(0, s));
    }

    public static TheoryData<string> Formats => new(["q8_0", "q4_0", "q5_0", "q4_K", "q6_K"]);

    [Theory, MemberData(nameof(Formats))]
    public void QuantizedDotsMatchScalar(string format)
    {
        var random = new Random(format.GetHashCode(StringComparison.Ordinal) & 0xFFFF);
        foreach (int n in Widths)
        {
            if (format.EndsWith('K') && n % 256 != 0) continue;
            var blocks = RandomBlocks(random, format, n);
            var x = RandomFloats(random, n);
            var (values, scales, sums) = Quantize(x, scalar: false);
            fixed (byte* w = blocks)
            fixed (sbyte* q = values)
            fixed (float* s = scales)
            fixed (short* sum = sums)
            {
                var (fast, slow) = format switch
                {
                    "q8_0" => (QuantizedDot.DotQ8_0(w, q, s, n), QuantizedDot.DotQ8_0Scalar(w, q, s, n)),
                    "q4_0" => (QuantizedDot.DotQ4_0(w, q, s, sum, n), QuantizedDot.DotQ4_0Scalar(w, q, s, sum, n)),
                    "q5_0" => (QuantizedDot.DotQ5_0(w, q, s, sum, n), QuantizedDot.DotQ5_0Scalar(w, q, s, sum, n)),
                    "q4_K" => (QuantizedDot.DotQ4_K(w, q, s, sum, n), QuantizedDot.DotQ4_KScalar(w, q, s, sum, n)),
                    _ => (QuantizedDot.DotQ6_K(w, q, s, sum, n), QuantizedDot.DotQ6_KScalar(w, q, s, sum, n)),
                };
                Assert.True(Math.Abs(fast - slow) <= 1e-4 * (1 + Math.Abs(slow)), $"{format} n={n}: SIMD {fast}, scalar {slow}");
            }
        }
    }

    /// <summary>
    /// The register-blocked tiles (four rows × one token, four rows × four tokens, one row × four tokens) against the
    /// scalar per-row dot product, for every (row, token) they produce.
    /// </summary>
    [Theory, MemberData(nameof(Formats))]
    public void TilesMatchTheScalarDotProducts(string format)
    {
        if (!System.Runtime.Intrinsics.X86.AvxVnni.IsSupported) return;   // the tiles need AVX-VNNI; elsewhere the plain kernels run
        var random = new Random(7);
        int n = 512, rows = 4, tokens = 4;
        int perRow = RandomBlocks(random, format, n).Length;
        var weights = new byte[rows * perRow];
        for (int r = 0; r < rows; r++) RandomBlocks(random, format, n).CopyTo(weights, r * perRow);
        var values = new sbyte[tokens * n];
        var scales = new float[tokens * n / 32];
        var sums = new short[tokens * n / 16];
        fixed (byte* w = weights)
        fixed (sbyte* q = values)
        fixed (float* sc = scales)
        fixed (short* sm = sums)
        {
            var activations = new QuantizedActivations(q, sc, sm, n);
            for (int t = 0; t < tokens; t++)
            {
                fixed (float* x = RandomFloats(random, n)) activations.Quantize(t, x);
            }
            var expected = new float[tokens * rows];
            for (int t = 0; t < tokens; t++)
            {
                for (int r = 0; r < rows; r++)
                {
                    byte* row = w + r * perRow;
                    sbyte* xq = activations.RowValues(t);
                    float* xs = activations.RowScales(t);
                    short* xsum = activations.RowSums(t);
                    expected[t * rows + r] = format switch
                    {
                        "q8_0" => QuantizedDot.DotQ8_0Scalar(row, xq, xs, n),
                        "q4_0" => QuantizedDot.DotQ4_0Scalar(row, xq, xs, xsum, n),
                        "q5_0" => QuantizedDot.DotQ5_0Scalar(row, xq, xs, xsum, n),
                        "q4_K" => QuantizedDot.DotQ4_KScalar(row, xq, xs, xsum, n),
                        _ => QuantizedDot.DotQ6_KScalar(row, xq, xs, xsum, n),
                    };
                }
            }
            var four = new float[16];
            fixed (float* output = four)
            {
                long xStride = n, sStride = n / 32, sumStride = n / 16;
                for (int t = 0; t < tokens; t++)
                {
                    switch (format)
                    {
                        case "q8_0": QuantizedTiles.Q8_0x1(w, perRow, activations.RowValues(t), activations.RowScales(t), n / 32, output); break;
                        case "q4_0": QuantizedTiles.Offset4x1<Q4_0Blocks>(w, perRow, activations.RowValues(t), activations.RowScales(t), n / 32, output); break;
                        case "q5_0": QuantizedTiles.Offset4x1<Q5_0Blocks>(w, perRow, activations.RowValues(t), activations.RowScales(t), n / 32, output); break;
                        case "q4_K": KQuantTiles.Q4_K4x1(w, perRow, activations.RowValues(t), activations.RowScales(t), activations.RowSums(t), n / 256, output); break;
                        default: KQuantTiles.Q6_K4x1(w, perRow, activations.RowValues(t), activations.RowScales(t), n / 256, output); break;
                    }
                    for (int r = 0; r < rows; r++) AssertNear(expected[t * rows + r], four[r], $"{format} 4x1 row {r} token {t}");
                }
                if (format.EndsWith('K'))
                {
                    for (int r = 0; r < rows; r++)
                    {
                        if (format == "q4_K") KQuantTiles.Q4_K1x4(w + r * perRow, q, xStride, sc, sStride, sm, sumStride, n / 256, output);
                        else KQuantTiles.Q6_K1x4(w + r * perRow, q, xStride, sc, sStride, n / 256, output);
                        for (int t = 0; t < tokens; t++) AssertNear(expected[t * rows + r], four[t], $"{format} 1x4 row {r} token {t}");
                    }
                }
                else
                {
                    switch (format)
                    {
                        case "q8_0": QuantizedTiles.Q8_0x4(w, perRow, q, xStride, sc, sStride, n / 32, output); break;
                        case "q4_0": QuantizedTiles.Offset4x4<Q4_0Blocks>(w, perRow, q, xStride, sc, sStride, n / 32, output); break;
                        default: QuantizedTiles.Offset4x4<Q5_0Blocks>(w, perRow, q, xStride, sc, sStride, n / 32, output); break;
                    }
                    for (int t = 0; t < tokens; t++)
                        for (int r = 0; r < rows; r++) AssertNear(expected[t * rows + r], four[t * 4 + r], $"{format} 4x4 row {r} token {t}");
                }
            }
        }
    }

    private static void AssertNear(float expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * (1 + Math.Abs(expected)), $"{what}: scalar {expected}, tile {actual}");

    private static (sbyte[] Values, float[] Scales, short[] Sums) Quantize(float[] x, bool scalar)
    {
        int n = x.Length;
        var values = new sbyte[n];
        var scales = new float[n / 32];
        var sums = new short[n / 16];
        fixed (float* px = x)
        fixed (sbyte* q = values)
        fixed (float* s = scales)
        fixed (short* sum = sums)
        {
            if (scalar) QuantizedActivations.QuantizeScalar(px, q, s, sum, n);
            else new QuantizedActivations(q, s, sum, n).Quantize(0, px);
        }
        return (values, scales, sums);
    }

    /// <summary>Random block bytes, with the half-precision scale fields set to plausible finite values.</summary>
    internal static byte[] RandomBlocks(Random random, string format, int n)
    {
        var (blockBytes, perBlock, scaleOffsets) = format switch
        {
            "q8_0" => (34, 32, new[] { 0 }),
            "q4_0" => (18, 32, new[] { 0 }),
            "q5_0" => (22, 32, new[] { 0 }),
            "q4_K" => (144, 256, new[] { 0, 2 }),
            _ => (210, 256, new[] { 208 }),
        };
        var bytes = new byte[n / perBlock * blockBytes];
        random.NextBytes(bytes);
        for (int b = 0; b < n / perBlock; b++)
        {
            foreach (int offset in scaleOffsets)
            {
                ushort half = BitConverter.HalfToUInt16Bits((Half)(random.NextSingle() * 0.02f + 0.001f));
                MemoryMarshal.Write(bytes.AsSpan(b * blockBytes + offset), half);
            }
            if (format == "q8_0")
            {
                // ggml's quantizer never writes −128 (values are within ±127).
                for (int i = 2; i < 34; i++) if (bytes[b * 34 + i] == 0x80) bytes[b * 34 + i] = 0x81;
            }
        }
        return bytes;
    }

    internal static float[] RandomFloats(Random random, int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
}
