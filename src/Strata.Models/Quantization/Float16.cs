using System.Buffers.Binary;

namespace Strata.Models.Quantization;

/// <summary>
/// IEEE 754 half precision (ggml's F16), stored little-endian, two bytes per element. Conversion from float32
/// rounds to nearest, ties to even, as F16C's <c>vcvtps2ph</c> and ggml's portable <c>ggml_compute_fp32_to_fp16</c>
/// do; values from 65520 up become infinity. A NaN becomes the quiet NaN 0x7E00 with its sign, as in ggml's
/// portable code (F16C would keep the payload's top bits; weights are never NaN).
/// </summary>
public static class Float16
{
    /// <summary>The half-precision bits nearest to <paramref name="value"/>.</summary>
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint sign = (bits >> 16) & 0x8000;
        uint magnitude = bits & 0x7FFF_FFFF;
        if (magnitude > 0x7F80_0000) return (ushort)(sign | 0x7E00);
        // 65520 is halfway between 65504 (odd mantissa) and 65536, so it and everything above round to infinity.
        if (magnitude >= 0x477F_F000) return (ushort)(sign | 0x7C00);
        if (magnitude >= 0x3880_0000)
        {
            // Normal half: round the 13 dropped mantissa bits to nearest even; a carry moves into the exponent,
            // which is what the encoding needs. 0x38000000 rebiases the exponent from 127 to 15.
            uint rounded = magnitude + 0x0FFF + ((magnitude >> 13) & 1);
            return (ushort)(sign | ((rounded - 0x3800_0000) >> 13));
        }
        // Below 2^-25 (inclusive: exactly 2^-25 is a tie that rounds to the even 0) nothing survives.
        if (magnitude <= 0x3300_0000) return (ushort)sign;
        // Subnormal half: the value in units of 2^-24 is mantissa · 2^(exponent − 126), rounded to nearest even.
        int exponent = (int)(magnitude >> 23);
        uint mantissa = (magnitude & 0x007F_FFFF) | 0x0080_0000;
        int shift = 126 - exponent;
        uint quotient = mantissa >> shift;
        uint remainder = mantissa & ((1u << shift) - 1);
        uint half = 1u << (shift - 1);
        if (remainder > half || (remainder == half && (quotient & 1) != 0)) quotient++;
        return (ushort)(sign | quotient);
    }

    /// <summary>The float32 value of half-precision bits (exact).</summary>
    public static float ToSingle(ushort half)
    {
        uint sign = (uint)(half & 0x8000) << 16;
        uint exponent = (uint)(half >> 10) & 0x1F;
        uint mantissa = (uint)half & 0x3FF;
        if (exponent == 0x1F) return BitConverter.UInt32BitsToSingle(sign | 0x7F80_0000 | (mantissa << 13));
        if (exponent != 0) return BitConverter.UInt32BitsToSingle(sign | ((exponent + 112) << 23) | (mantissa << 13));
        // Subnormal or zero: mantissa · 2^-24 is exact in float32.
        float magnitude = mantissa * (1f / 16_777_216f);
        return sign != 0 ? -magnitude : magnitude;
    }

    /// <summary>Reads the half at <paramref name="offset"/> as float32.</summary>
    internal static float Read(ReadOnlySpan<byte> bytes, int offset) => ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[offset..]));

    /// <summary>Writes <paramref name="value"/> rounded to half at <paramref name="offset"/>.</summary>
    internal static void Write(Span<byte> bytes, int offset, float value) => BinaryPrimitives.WriteUInt16LittleEndian(bytes[offset..], FromSingle(value));

    /// <summary>Converts a row: <paramref name="x"/> (n floats) → <paramref name="halves"/> (2n bytes).</summary>
    /// <exception cref="ArgumentException"><paramref name="halves"/> is shorter than 2n bytes.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> halves)
    {
        BlockChecks.Output(GgmlType.F16, x.Length, halves.Length);
        for (int i = 0; i < x.Length; i++) Write(halves, 2 * i, x[i]);
    }

    /// <summary>Converts a row back: <paramref name="halves"/> (2n bytes) → <paramref name="y"/> (n floats).</summary>
    /// <exception cref="ArgumentException"><paramref name="halves"/> holds fewer than 2n bytes.</exception>
    public static void Dequantize(ReadOnlySpan<byte> halves, Span<float> y)
    {
        BlockChecks.Input(GgmlType.F16, halves.Length, y.Length);
        for (int i = 0; i < y.Length; i++) y[i] = Read(halves, 2 * i);
    }
}
