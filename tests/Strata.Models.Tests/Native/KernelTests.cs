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

    /// <summary>
    /// F16 products over rows holding zeros, negative zeros and subnormals: with a correction list (a few per row, as
    /// trained weights have) the one-token tiles widen without a check and subtract the list's errors; with too many
    /// (a pruned matrix) no list is built and every vector is checked. Both must equal the sum over BCL-widened halves.
    /// </summary>
    [Theory]
    [InlineData(0.015, true)]
    [InlineData(0.10, false)]
    public void HalfProductsAreExactAroundZeroExponentHalves(double share, bool listed)
    {
        const int rows = 10, columns = 576;   // two rows past the last four-row tile take the plain loop
        var random = new Random(7);
        var halves = new ushort[rows * columns];
        for (int i = 0; i < halves.Length; i++)
        {
            halves[i] = random.NextDouble() >= share
                ? BitConverter.HalfToUInt16Bits((Half)((random.NextDouble() * 2 - 1) * 0.05))
                : (ushort)(random.Next(3) switch { 0 => 0, 1 => 0x8000, _ => random.Next(1, 0x400) | (random.Next(2) << 15) });
        }
        fixed (ushort* w = halves)
        {
            var plain = new Strata.Models.Native.WeightMatrix((byte*)w, Strata.Models.Quantization.GgmlType.F16, rows, columns, 2 * columns);
            var corrections = Strata.Models.Native.Packing.HalfCorrections.Build(plain);
            Assert.Equal(listed, corrections is not null);
            var matrix = new Strata.Models.Native.WeightMatrix((byte*)w, plain.Type, rows, columns, plain.RowBytes, halfCorrections: corrections);
            foreach (int tokens in new[] { 1, 3, 5 })
            {
                // Positive inputs, so a zero widened as 2⁻¹⁵ would shift a row's sum by ~3e-5 per half and the errors add up.
                var x = Enumerable.Range(0, tokens * columns).Select(_ => 0.5f + random.NextSingle()).ToArray();
                var y = new float[tokens * rows];
                using var job = new MatMulJob(1);
                fixed (float* px = x, py = y)
                {
                    job.Begin(tokens, px, default);
                    job.Add(matrix, py, rows);
                    job.Execute(0, 1, 0);
                }
                for (int n = 0; n < tokens; n++)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        double expected = 0;
                        for (int i = 0; i < columns; i++) expected += (double)(float)BitConverter.UInt16BitsToHalf(halves[r * columns + i]) * x[n * columns + i];
                        Assert.True(Math.Abs(expected - y[n * rows + r]) < 1e-5, $"share {share}, {tokens} tokens, token {n} row {r}: {expected} vs {y[n * rows + r]}");
                    }
                }
            }
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

    /// <summary>The packed "rows in lanes" kernels against the scalar per-row dot product, for 1 and 4 tokens, on 11 rows (a padded group).</summary>
    [Theory, MemberData(nameof(Formats))]
    public void PackedKernelsMatchTheScalarDotProducts(string format)
    {
        var type = format switch
        {
            "q8_0" => Strata.Models.Quantization.GgmlType.Q8_0,
            "q4_0" => Strata.Models.Quantization.GgmlType.Q4_0,
            "q5_0" => Strata.Models.Quantization.GgmlType.Q5_0,
            "q4_K" => Strata.Models.Quantization.GgmlType.Q4_K,
            _ => Strata.Models.Quantization.GgmlType.Q6_K,
        };
        if (!Strata.Models.Native.Packing.PackedMatrix.CanPack(type) || !PackedKernels.Supported(Strata.Models.Native.Packing.PackedMatrix.FormatOf(type))) return;
        var random = new Random(17);
        int n = 512, rows = 11, tokens = 4;
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
            var matrix = new Strata.Models.Native.WeightMatrix(w, type, rows, n, perRow);
            using var packed = Strata.Models.Native.Packing.PackedMatrix.Pack(matrix);
            var results = new float[32];
            fixed (float* output = results)
            {
                for (int group = 0; group < packed.Groups; group++)
                {
                    PackedKernels.Four(packed, group, q, n, sc, n / 32, sm, n / 16, output);
                    for (int t = 0; t < tokens; t++)
                    {
                        for (int lane = 0; lane < 8 && group * 8 + lane < rows; lane++)
                        {
                            float expected = Scalar(format, w + (group * 8 + lane) * perRow, activations, t, n);
                            AssertNear(expected, output[8 * t + lane], $"{format} packed x4 row {group * 8 + lane} token {t}");
                        }
                        PackedKernels.One(packed, group, activations.RowValues(t), activations.RowScales(t), activations.RowSums(t), output + 8 * t);
                        for (int lane = 0; lane < 8 && group * 8 + lane < rows; lane++)
                        {
                            float expected = Scalar(format, w + (group * 8 + lane) * perRow, activations, t, n);
                            AssertNear(expected, output[8 * t + lane], $"{format} packed x1 row {group * 8 + lane} token {t}");
                        }
                    }
                }
            }
        }
    }

    private static float Scalar(string format, byte* row, QuantizedActivations a, int t, int n) => format switch
    {
        "q8_0" => QuantizedDot.DotQ8_0Scalar(row, a.RowValues(t), a.RowScales(t), n),
        "q4_0" => QuantizedDot.DotQ4_0Scalar(row, a.RowValues(t), a.RowScales(t), a.RowSums(t), n),
        "q5_0" => QuantizedDot.DotQ5_0Scalar(row, a.RowValues(t), a.RowScales(t), a.RowSums(t), n),
        "q4_K" => QuantizedDot.DotQ4_KScalar(row, a.RowValues(t), a.RowScales(t), a.RowSums(t), n),
        _ => QuantizedDot.DotQ6_KScalar(row, a.RowValues(t), a.RowScales(t), a.RowSums(t), n),
    };

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
