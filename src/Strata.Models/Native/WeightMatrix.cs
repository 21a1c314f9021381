using Strata.Models.Native.Kernels;
using Strata.Models.Quantization;

namespace Strata.Models.Native;

/// <summary>
/// A weight matrix read in place (usually from a memory-mapped file): <see cref="Rows"/> output features, each a row
/// of <see cref="Columns"/> input weights stored contiguously in <see cref="Type"/>'s layout — HF's [out, in] Linear
/// layout and GGUF's ne = [in, out] are the same bytes.
/// </summary>
internal readonly unsafe struct WeightMatrix(
    byte* data, GgmlType type, int rows, int columns, long rowBytes, Packing.PackedMatrix? packed = null, Packing.HalfCorrections? halfCorrections = null)
{
    public readonly byte* Data = data;
    public readonly GgmlType Type = type;
    public readonly int Rows = rows;
    public readonly int Columns = columns;
    public readonly long RowBytes = rowBytes;

    /// <summary>The copy the products read when the matrix was repacked at load (embedding lookups keep reading <see cref="Data"/>).</summary>
    public readonly Packing.PackedMatrix? Packed = packed;

    /// <summary>For an F16 matrix: its zero-exponent halves, so one-token products can widen without a check.</summary>
    public readonly Packing.HalfCorrections? HalfCorrections = halfCorrections;

    public byte* Row(int row) => Data + row * RowBytes;

    /// <summary>Whether products with this matrix take 8-bit activations (<see cref="QuantizedActivations"/>) rather than floats.</summary>
    public bool TakesQuantizedInput => Type is GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q4_K or GgmlType.Q6_K;

    /// <summary>Bytes the products read per pass: the packed copy when there is one.</summary>
    public long Bytes => Packed?.Bytes ?? Rows * RowBytes;

    /// <summary>Row <paramref name="row"/> as floats (embedding lookups).</summary>
    public void DequantizeRow(int row, float* destination)
    {
        byte* source = Row(row);
        switch (Type)
        {
            case GgmlType.F32:
                new ReadOnlySpan<float>(source, Columns).CopyTo(new Span<float>(destination, Columns));
                break;
            case GgmlType.F16:
                FloatKernels.HalfToSingle((ushort*)source, destination, Columns);
                break;
            case GgmlType.BF16:
                FloatKernels.BFloatToSingle((ushort*)source, destination, Columns);
                break;
            default:
                Quantizer.DequantizeRow(Type, new ReadOnlySpan<byte>(source, (int)RowBytes), new Span<float>(destination, Columns));
                break;
        }
    }

    /// <summary>Whether the kernels multiply <paramref name="type"/> (row sizes come from <see cref="GgmlTypes.RowBytes"/>).</summary>
    public static bool Multiplies(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16
        or GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q4_K or GgmlType.Q6_K;
}
