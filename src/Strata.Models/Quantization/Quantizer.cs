namespace Strata.Models.Quantization;

/// <summary>TEMPORARY placeholder until the reference quantizers land.</summary>
public static class Quantizer
{
    public static void DequantizeRow(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination) =>
        throw new NotSupportedException($"dequantizing {type} is not implemented yet");
}
