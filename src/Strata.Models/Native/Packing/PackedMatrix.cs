using System.Runtime.InteropServices;
using Strata.Models.Quantization;

namespace Strata.Models.Native.Packing;

/// <summary>Layouts of <see cref="PackedMatrix"/>, one per ggml format it is packed from.</summary>
internal enum PackedFormat
{
    /// <summary>From Q8_0: per 32-value block, 8 float scales and the values + 128 as unsigned bytes.</summary>
    Q8,

    /// <summary>From Q4_0: per block, 8 float scales and 4-bit values (offset 8), two 4-value groups per byte pair of nibbles.</summary>
    Q4,

    /// <summary>From Q5_0: as <see cref="Q4"/> (offset 16) plus a 32-byte plane of fifth bits (bit g of a lane byte: group g).</summary>
    Q5,

    /// <summary>From Q4_K: per 256-value super-block, 8 d and 8 dmin floats, 6-bit scales and minimums as bytes, 4-bit values.</summary>
    Q4K,

    /// <summary>From Q6_K: per super-block, 8 d floats, 16 int8 scales per row, 6-bit values as bytes (offset 32).</summary>
    Q6K,
}

/// <summary>
/// A quantized matrix repacked at load for the "rows in lanes" kernels (<see cref="Kernels.PackedKernels"/>): rows in
/// groups of eight, and within a group each run of four consecutive values of the eight rows side by side, so one
/// 256-bit VNNI instruction multiplies four values of eight rows by four activations broadcast to every lane, and each
/// lane ends up holding one row's dot product. No horizontal sums, and the float work per block (conversion, scales,
/// offsets) is done once for eight rows instead of once per row. Scales are stored as floats. The packed copy is what
/// the kernels read; it costs 5–10% more than the file's blocks (Q6_K: 31%, its 6-bit values are stored as bytes).
/// </summary>
internal sealed unsafe class PackedMatrix : IDisposable
{
    public const int RowsPerGroup = 8;

    private PackedMatrix(PackedFormat format, int rows, int columns, int blockValues, int blockBytes)
    {
        Format = format;
        Rows = rows;
        Columns = columns;
        Groups = (rows + RowsPerGroup - 1) / RowsPerGroup;
        BlockValues = blockValues;
        BlockBytes = blockBytes;
        Blocks = columns / blockValues;
        GroupBytes = (long)Blocks * blockBytes;
        long bytes = GroupBytes * Groups;
        Data = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        new Span<byte>(Data, (int)Math.Min(bytes, int.MaxValue)).Clear();
        if (bytes > int.MaxValue) NativeMemory.Clear(Data, (nuint)bytes);
    }

    public byte* Data { get; private set; }

    public PackedFormat Format { get; }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>Groups of eight rows (the last padded with zero rows).</summary>
    public int Groups { get; }

    /// <summary>Values per block: 32, or 256 for the K-quants' super-blocks.</summary>
    public int BlockValues { get; }

    public int Blocks { get; }

    public int BlockBytes { get; }

    public long GroupBytes { get; }

    public long Bytes => GroupBytes * Groups;

    public byte* Group(int group) => Data + group * GroupBytes;

    /// <summary>The layout <paramref name="type"/> packs into.</summary>
    public static PackedFormat FormatOf(GgmlType type) => type switch
    {
        GgmlType.Q8_0 => PackedFormat.Q8,
        GgmlType.Q4_0 => PackedFormat.Q4,
        GgmlType.Q5_0 => PackedFormat.Q5,
        GgmlType.Q4_K => PackedFormat.Q4K,
        GgmlType.Q6_K => PackedFormat.Q6K,
        _ => throw new NotSupportedException($"{type} has no packed layout"),
    };

    /// <summary>Whether <paramref name="type"/> has a packed layout.</summary>
    public static bool CanPack(GgmlType type) => type is GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q4_K or GgmlType.Q6_K;

    /// <summary>Packs <paramref name="matrix"/> (a quantized matrix in ggml's layout).</summary>
    public static PackedMatrix Pack(WeightMatrix matrix)
    {
        var packed = matrix.Type switch
        {
            GgmlType.Q8_0 => new PackedMatrix(PackedFormat.Q8, matrix.Rows, matrix.Columns, 32, 32 + 256),
            GgmlType.Q4_0 => new PackedMatrix(PackedFormat.Q4, matrix.Rows, matrix.Columns, 32, 32 + 128),
            GgmlType.Q5_0 => new PackedMatrix(PackedFormat.Q5, matrix.Rows, matrix.Columns, 32, 32 + 128 + 32),
            GgmlType.Q4_K => new PackedMatrix(PackedFormat.Q4K, matrix.Rows, matrix.Columns, 256, 64 + 128 + 1024),
            GgmlType.Q6_K => new PackedMatrix(PackedFormat.Q6K, matrix.Rows, matrix.Columns, 256, 32 + 128 + 2048),
            _ => throw new NotSupportedException($"{matrix.Type} has no packed layout"),
        };
        BlockPacker.Pack(matrix, packed);
        return packed;
    }

    public void Dispose()
    {
        if (Data == null) return;
        NativeMemory.AlignedFree(Data);
        Data = null;
    }
}
