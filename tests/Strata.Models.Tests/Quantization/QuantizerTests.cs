using System.Buffers.Binary;
using Strata.Models.Quantization;

namespace Strata.Models.Tests.Quantization;

/// <summary>Block layouts worked out by hand, error bounds of the round trip, and the errors bad arguments get.</summary>
public class QuantizerTests
{
    [Fact]
    public void Q8_0RoundsHalfwayAwayFromZero()
    {
        // max|x| = 127 makes d exactly 1, so q = roundf(x): 0.5 → 1, 2.5 → 3, −2.5 → −3 (nearest-even would give 0, 2, −2).
        var x = new float[32];
        x[0] = 127; x[1] = 0.5f; x[2] = 2.5f; x[3] = -2.5f; x[4] = -0.49f; x[5] = 1.4999999f; x[6] = -127;
        var block = new byte[34];
        Q8_0.Quantize(x, block);
        Assert.Equal(0x3C00, BinaryPrimitives.ReadUInt16LittleEndian(block)); // d = 1.0 in fp16
        Assert.Equal(new sbyte[] { 127, 1, 3, -3, 0, 1, -127, 0 }, block[2..10].Select(b => (sbyte)b));
    }

    [Fact]
    public void Q4_0NibblesHoldElementJAndJPlus16()
    {
        // The largest magnitude is −8, so d = −8/−8 = 1, and q = x + 8 (rounded by truncating x + 8.5).
        var x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = (i % 16) - 8;
        x[16] = 7.4f;
        var block = new byte[18];
        Q4_0.Quantize(x, block);
        Assert.Equal(0x3C00, BinaryPrimitives.ReadUInt16LittleEndian(block));
        Assert.Equal(0x00 | (15 << 4), block[2]);        // x0 = −8 → 0, x16 = 7.4 → 15
        Assert.Equal(0x0F | (15 << 4), block[17]);       // x15 = 7 → 15, x31 = 7 → 15
        var y = new float[32];
        Q4_0.Dequantize(block, y);
        Assert.Equal(-8f, y[0]);
        Assert.Equal(7f, y[16]);
    }

    [Fact]
    public void NearestIntRoundsHalfwayToEven()
    {
        Assert.Equal(new[] { 0, 2, 2, 0, -2, -2, 3, -4194303 },
            new[] { 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.6f, -4194303f }.Select(QuantMath.NearestInt));
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, 0.0066)]
    [InlineData(GgmlType.Q4_0, 0.107)]
    [InlineData(GgmlType.Q4_1, 0.099)]
    [InlineData(GgmlType.Q5_0, 0.052)]
    [InlineData(GgmlType.Q5_1, 0.047)]
    [InlineData(GgmlType.Q4_K, 0.089)]
    [InlineData(GgmlType.Q5_K, 0.045)]
    [InlineData(GgmlType.Q6_K, 0.022)]
    [InlineData(GgmlType.F16, 0.00027)]
    [InlineData(GgmlType.BF16, 0.0021)]
    public void RoundTripErrorIsWithinTheFormatsPrecision(GgmlType type, double maxRelativeRms)
    {
        // Bounds: 1.25× the error each format shows here on Gaussian weights; a second bound catches a "too good" result
        // (a format silently written as another).
        var random = new Random(7);
        var x = new float[4096];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(Gaussian(random) * 0.02);
        var blocks = new byte[GgmlTypes.RowBytes(type, x.Length)];
        var y = new float[x.Length];
        Quantizer.QuantizeRow(type, x, blocks);
        Quantizer.DequantizeRow(type, blocks, y);
        double error = 0, signal = 0;
        for (int i = 0; i < x.Length; i++)
        {
            error += (x[i] - y[i]) * (double)(x[i] - y[i]);
            signal += x[i] * (double)x[i];
        }
        double relative = Math.Sqrt(error / signal);
        Assert.True(relative < maxRelativeRms, $"{type}: relative RMS error {relative:G3} ≥ {maxRelativeRms}");
        Assert.True(relative > maxRelativeRms / 2, $"{type}: error {relative:G3} is implausibly small");
    }

    [Fact]
    public void Q8_0ErrorPerElementIsAtMostHalfAStepPlusTheScalesRounding()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 1024).Select(_ => (float)(Gaussian(random) * Math.Exp(random.Next(-8, 8)))).ToArray();
        var blocks = new byte[GgmlTypes.RowBytes(GgmlType.Q8_0, x.Length)];
        var y = new float[x.Length];
        Q8_0.Quantize(x, blocks);
        Q8_0.Dequantize(blocks, y);
        for (int b = 0; b < x.Length / 32; b++)
        {
            float amax = x.Skip(32 * b).Take(32).Max(MathF.Abs);
            // Step amax/127; fp16 holds d to 2^-11 relative, and |q| ≤ 127 multiplies that.
            float bound = amax / 127 * 0.5f + amax * (1f / 2048) * 1.01f;
            for (int i = 32 * b; i < 32 * b + 32; i++)
                Assert.True(MathF.Abs(x[i] - y[i]) <= bound, $"element {i}: {x[i]} → {y[i]}, bound {bound}");
        }
    }

    [Fact]
    public void RowLengthsThatAreNotWholeBlocksAreRefusedNamingTheType()
    {
        var e = Assert.Throws<ArgumentException>(() => GgmlTypes.RowBytes(GgmlType.Q4_K, 576));
        Assert.Contains("q4_K", e.Message);
        Assert.Contains("576", e.Message);
        Assert.Contains("256", e.Message);
        e = Assert.Throws<ArgumentException>(() => Quantizer.QuantizeRow(GgmlType.Q8_0, new float[40], new byte[100]));
        Assert.Contains("q8_0", e.Message);
        Assert.Contains("32", e.Message);
    }

    [Fact]
    public void TooSmallBuffersAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Quantizer.QuantizeRow(GgmlType.Q6_K, new float[256], new byte[209]));
        Assert.Contains("210", e.Message);
        e = Assert.Throws<ArgumentException>(() => Quantizer.DequantizeRow(GgmlType.Q4_0, new byte[17], new float[32]));
        Assert.Contains("18", e.Message);
    }

    [Fact]
    public void UnsupportedTypesAreRefusedByName()
    {
        var e = Assert.Throws<NotSupportedException>(() => Quantizer.QuantizeRow(GgmlType.IQ2_XXS, new float[256], new byte[66]));
        Assert.Contains("iq2_xxs", e.Message);
        e = Assert.Throws<NotSupportedException>(() => Quantizer.DequantizeRow(GgmlType.Q2_K, new byte[84], new float[256]));
        Assert.Contains("q2_K", e.Message);
        Assert.Equal("type 31", GgmlTypes.Name((GgmlType)31));
        var unknown = Assert.Throws<NotSupportedException>(() => GgmlTypes.BlockSize((GgmlType)31));
        Assert.Contains("31", unknown.Message);
    }

    [Fact]
    public void TypeTraitsMatchGgml()
    {
        // ggml.h numbering and ggml-common.h block sizes.
        Assert.Equal((32, 34), (GgmlTypes.BlockSize(GgmlType.Q8_0), GgmlTypes.BlockBytes(GgmlType.Q8_0)));
        Assert.Equal((32, 18), (GgmlTypes.BlockSize(GgmlType.Q4_0), GgmlTypes.BlockBytes(GgmlType.Q4_0)));
        Assert.Equal((32, 22), (GgmlTypes.BlockSize(GgmlType.Q5_0), GgmlTypes.BlockBytes(GgmlType.Q5_0)));
        Assert.Equal((256, 144), (GgmlTypes.BlockSize(GgmlType.Q4_K), GgmlTypes.BlockBytes(GgmlType.Q4_K)));
        Assert.Equal((256, 210), (GgmlTypes.BlockSize(GgmlType.Q6_K), GgmlTypes.BlockBytes(GgmlType.Q6_K)));
        Assert.Equal((256, 292), (GgmlTypes.BlockSize(GgmlType.Q8_K), GgmlTypes.BlockBytes(GgmlType.Q8_K)));
        Assert.Equal((1, 2), (GgmlTypes.BlockSize(GgmlType.BF16), GgmlTypes.BlockBytes(GgmlType.BF16)));
        Assert.Equal(30u, (uint)GgmlType.BF16);
        Assert.Equal(14u, (uint)GgmlType.Q6_K);
        Assert.Equal(1728, GgmlTypes.RowBytes(GgmlType.Q4_K, 3072));
        Assert.True(GgmlTypes.TryParse("Q4_K", out var parsed) && parsed == GgmlType.Q4_K);
        Assert.True(GgmlTypes.IsSupported(GgmlType.Q5_0));
        Assert.False(GgmlTypes.IsSupported(GgmlType.Q8_K));
    }

    [Fact]
    public void Q8KKeepsBlockSumsAndTheScale()
    {
        var random = new Random(11);
        var x = Enumerable.Range(0, 256).Select(_ => (float)Gaussian(random)).ToArray();
        x[100] = -5f; // the largest magnitude, so d = −5/−127
        var block = new byte[292];
        Q8K.Quantize(x, block);
        Assert.Equal(5f / 127f, BinaryPrimitives.ReadSingleLittleEndian(block), 6);
        Assert.Equal(-127, (sbyte)block[4 + 100]);
        for (int j = 0; j < 16; j++)
        {
            int sum = 0;
            for (int i = 0; i < 16; i++) sum += (sbyte)block[4 + 16 * j + i];
            Assert.Equal(sum, BinaryPrimitives.ReadInt16LittleEndian(block.AsSpan(260 + 2 * j)));
        }
    }

    internal static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
