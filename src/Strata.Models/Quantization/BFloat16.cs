using System.Buffers.Binary;

namespace Strata.Models.Quantization;

/// <summary>
/// bfloat16 (the upper half of a float32), stored little-endian. From float32 exactly as ggml's
/// <c>GGML_FP32_TO_BF16</c>: round to nearest, ties to even, NaN kept NaN by forcing the quiet bit, subnormals kept.
/// </summary>
public static class BFloat16
{
    /// <summary>The bfloat16 bits nearest to <paramref name="value"/>.</summary>
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        // Truncating a NaN could leave an all-zero mantissa, i.e. infinity; setting bit 6 keeps it a (quiet) NaN.
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return (ushort)((bits >> 16) | 64);
        return (ushort)((bits + (0x7FFF + ((bits >> 16) & 1))) >> 16);
    }

    /// <summary>The float32 value of bfloat16 bits (exact).</summary>
    public static float ToSingle(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    /// <summary>Converts a row: <paramref name="x"/> (n floats) → <paramref name="output"/> (2n bytes).</summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> is shorter than 2n bytes.</exception>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> output)
    {
        BlockChecks.Output(GgmlType.BF16, x.Length, output.Length);
        for (int i = 0; i < x.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(output[(2 * i)..], FromSingle(x[i]));
    }

    /// <summary>Converts a row back: <paramref name="input"/> (2n bytes) → <paramref name="y"/> (n floats).</summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> holds fewer than 2n bytes.</exception>
    public static void Dequantize(ReadOnlySpan<byte> input, Span<float> y)
    {
        BlockChecks.Input(GgmlType.BF16, input.Length, y.Length);
        for (int i = 0; i < y.Length; i++) y[i] = ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(input[(2 * i)..]));
    }
}
