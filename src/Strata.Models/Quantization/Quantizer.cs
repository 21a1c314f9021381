using System.Runtime.InteropServices;

namespace Strata.Models.Quantization;

/// <summary>Row (de)quantization by <see cref="GgmlType"/>, dispatching to the per-format classes.</summary>
public static class Quantizer
{
    /// <summary>
    /// Converts one row of floats to <paramref name="type"/>; <paramref name="output"/> needs
    /// <see cref="GgmlTypes.RowBytes"/> bytes. F32 is a plain little-endian copy.
    /// </summary>
    /// <exception cref="NotSupportedException">Strata cannot write <paramref name="type"/> (see <see cref="GgmlTypes.IsSupported"/>; Q8_K via <see cref="Q8K"/>).</exception>
    /// <exception cref="ArgumentException">The row length is not a multiple of the type's block size, or the output is too small.</exception>
    public static void QuantizeRow(GgmlType type, ReadOnlySpan<float> x, Span<byte> output)
    {
        switch (type)
        {
            case GgmlType.F32:
                BlockChecks.Output(type, x.Length, output.Length);
                MemoryMarshal.AsBytes(x).CopyTo(output);
                break;
            case GgmlType.F16: Float16.Quantize(x, output); break;
            case GgmlType.BF16: BFloat16.Quantize(x, output); break;
            case GgmlType.Q8_0: Q8_0.Quantize(x, output); break;
            case GgmlType.Q4_0: Q4_0.Quantize(x, output); break;
            case GgmlType.Q4_1: Q4_1.Quantize(x, output); break;
            case GgmlType.Q5_0: Q5_0.Quantize(x, output); break;
            case GgmlType.Q5_1: Q5_1.Quantize(x, output); break;
            case GgmlType.Q4_K: Q4K.Quantize(x, output); break;
            case GgmlType.Q5_K: Q5K.Quantize(x, output); break;
            case GgmlType.Q6_K: Q6K.Quantize(x, output); break;
            case GgmlType.Q8_K: Q8K.Quantize(x, output); break;
            default: throw Unsupported(type, "quantize to");
        }
    }

    /// <summary>Converts one row stored as <paramref name="type"/> back to floats (<paramref name="y"/> sets the element count).</summary>
    /// <exception cref="NotSupportedException">Strata cannot read <paramref name="type"/> (see <see cref="GgmlTypes.IsSupported"/>).</exception>
    /// <exception cref="ArgumentException">The row length is not a multiple of the type's block size, or the input is too short.</exception>
    public static void DequantizeRow(GgmlType type, ReadOnlySpan<byte> input, Span<float> y)
    {
        switch (type)
        {
            case GgmlType.F32:
                BlockChecks.Input(type, input.Length, y.Length);
                input[..(4 * y.Length)].CopyTo(MemoryMarshal.AsBytes(y));
                break;
            case GgmlType.F16: Float16.Dequantize(input, y); break;
            case GgmlType.BF16: BFloat16.Dequantize(input, y); break;
            case GgmlType.Q8_0: Q8_0.Dequantize(input, y); break;
            case GgmlType.Q4_0: Q4_0.Dequantize(input, y); break;
            case GgmlType.Q4_1: Q4_1.Dequantize(input, y); break;
            case GgmlType.Q5_0: Q5_0.Dequantize(input, y); break;
            case GgmlType.Q5_1: Q5_1.Dequantize(input, y); break;
            case GgmlType.Q4_K: Q4K.Dequantize(input, y); break;
            case GgmlType.Q5_K: Q5K.Dequantize(input, y); break;
            case GgmlType.Q6_K: Q6K.Dequantize(input, y); break;
            default: throw Unsupported(type, "dequantize");
        }
    }

    private static NotSupportedException Unsupported(GgmlType type, string action) =>
        new($"Strata cannot {action} ggml type {GgmlTypes.Name(type)} ({(uint)type}); supported: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_K, q5_K, q6_K");
}
