using Strata.Models.Quantization;

namespace Strata.Models.Tests.Quantization;

/// <summary>F16 and BF16 conversions against hand-derived IEEE encodings and against .NET's own <see cref="Half"/>.</summary>
public class HalfPrecisionTests
{
    [Theory]
    [InlineData(1f, 0x3C00)]
    [InlineData(-2f, 0xC000)]
    [InlineData(65504f, 0x7BFF)]     // largest finite half
    [InlineData(65519f, 0x7BFF)]     // below the halfway point to 65536
    [InlineData(65520f, 0x7C00)]     // halfway, ties to even: the even neighbour is infinity
    [InlineData(-1e6f, 0xFC00)]
    [InlineData(6.1035156e-05f, 0x0400)] // 2^-14, smallest normal
    [InlineData(5.9604645e-08f, 0x0001)] // 2^-24, smallest subnormal
    [InlineData(2.9802322e-08f, 0x0000)] // 2^-25: halfway to 2^-24, ties to even 0
    [InlineData(4.4703484e-08f, 0x0001)] // 1.5·2^-25 rounds up
    [InlineData(8.940697e-08f, 0x0002)]  // 3·2^-25: halfway between 1 and 2 units, ties to even 2
    [InlineData(1.00048828125f, 0x3C00)] // 1 + 2^-11: tie, even is 1
    [InlineData(1.00146484375f, 0x3C02)] // 1 + 3·2^-11: tie, even is 1 + 2^-9
    [InlineData(-0f, 0x8000)]
    public void Float16RoundsToNearestEven(float value, int expected) => Assert.Equal((ushort)expected, Float16.FromSingle(value));

    [Fact]
    public void Float16NanBecomesTheQuietNanWithItsSign()
    {
        Assert.Equal(0x7E00, Float16.FromSingle(float.NaN) & 0x7FFF);
        Assert.Equal(0x7E00, Float16.FromSingle(BitConverter.UInt32BitsToSingle(0x7F800001)));
        Assert.Equal(0xFE00, Float16.FromSingle(BitConverter.UInt32BitsToSingle(0xFFC00000)));
        Assert.True(float.IsNaN(Float16.ToSingle(0x7E00)));
        Assert.Equal(float.PositiveInfinity, Float16.ToSingle(0x7C00));
    }

    [Fact]
    public void EveryHalfSurvivesARoundTripThroughFloat32()
    {
        for (int h = 0; h < 0x10000; h++)
        {
            if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) continue; // NaNs are canonicalised
            float f = Float16.ToSingle((ushort)h);
            Assert.Equal(BitConverter.HalfToUInt16Bits(BitConverter.UInt16BitsToHalf((ushort)h)), (ushort)h);
            Assert.Equal((float)BitConverter.UInt16BitsToHalf((ushort)h), f);
            Assert.Equal((ushort)h, Float16.FromSingle(f));
        }
    }

    [Fact]
    public void Float16AgreesWithDotNetsHalfOnRandomFloats()
    {
        var random = new Random(12345);
        for (int i = 0; i < 200_000; i++)
        {
            // Random bit patterns cover every exponent; the narrow band near the half range is sampled on its own.
            float f = i % 2 == 0
                ? BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32))
                : (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 18)));
            if (float.IsNaN(f)) continue;
            Assert.True(BitConverter.HalfToUInt16Bits((Half)f) == Float16.FromSingle(f), $"{f:R} (0x{BitConverter.SingleToUInt32Bits(f):X8})");
        }
    }

    [Theory]
    [InlineData(1f, 0x3F80)]
    [InlineData(1.00390625f, 0x3F80)]    // 1 + 2^-8: tie, even is 1
    [InlineData(1.01171875f, 0x3F82)]    // 1 + 3·2^-8: tie, even is 1 + 2^-6
    [InlineData(1.0039064f, 0x3F81)]     // one ulp above the tie rounds up
    [InlineData(-3.4028235e38f, 0xFF80)] // rounds up to −infinity, as ggml's formula does
    [InlineData(1e-40f, 0x0001)]         // subnormals are kept
    public void BFloat16RoundsToNearestEven(float value, int expected) => Assert.Equal((ushort)expected, BFloat16.FromSingle(value));

    [Fact]
    public void BFloat16KeepsNanANan()
    {
        // 0x7F800001 truncated would be 0x7F80, infinity; ggml forces the quiet bit instead.
        Assert.Equal(0x7FC0, BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(0x7F800001)));
        Assert.Equal(0xFFC0, BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(0xFFC00000)));
        Assert.Equal(1.5f, BFloat16.ToSingle(0x3FC0));
    }
}
