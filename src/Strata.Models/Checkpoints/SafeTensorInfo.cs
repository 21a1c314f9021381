namespace Strata.Models.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">The tensor's key in the header.</param>
/// <param name="DType">Element type as stored.</param>
/// <param name="Shape">Dimensions in C (row-major) order; empty for a scalar.</param>
/// <param name="Offset">Start of the tensor's bytes, relative to the data section (the header's <c>data_offsets[0]</c>).</param>
/// <param name="Length">Byte length (<c>data_offsets[1] - data_offsets[0]</c>), always element count × element size.</param>
public sealed record SafeTensorInfo(string Name, SafeTensorDType DType, long[] Shape, long Offset, long Length)
{
    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
