using Strata.Models.Quantization;

namespace Strata.Models.Gguf;

/// <summary>
/// Reads tensor data of a <see cref="GgufFile"/> row by row, dequantized to float32: the offline path (requantizing,
/// reading small tensors such as <c>rope_freqs.weight</c>), not the runtime's memory-mapped one. Every tensor's type,
/// shape and byte range are checked against the file before anything is read, so a corrupt file gives an error that
/// names the tensor instead of an out-of-range read.
/// </summary>
public sealed class GgufTensorReader : IDisposable
{
    private readonly GgufFile _file;
    private readonly FileStream _stream;
    private byte[] _buffer = [];

    /// <summary>Opens <paramref name="file"/>'s data for reading.</summary>
    /// <exception cref="InvalidDataException">A tensor has an unknown type, a row length its type cannot hold, or bytes
    /// outside the file; the message names the file and the tensor.</exception>
    public GgufTensorReader(GgufFile file)
    {
        _file = file;
        _stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            foreach (var tensor in file.Tensors) CheckBounds(tensor);
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    /// <summary>The element type of <paramref name="tensor"/>.</summary>
    public static GgmlType TypeOf(GgufTensorInfo tensor) => (GgmlType)tensor.GgmlType;

    /// <summary>Rows of a tensor: the product of every dimension but the first (1 for a 1-D tensor).</summary>
    public static long RowCount(GgufTensorInfo tensor) => tensor.Shape.Skip(1).Aggregate(1L, (a, b) => checked(a * (long)b));

    /// <summary>Reads <paramref name="rows"/> whole rows starting at <paramref name="firstRow"/> into <paramref name="output"/>
    /// (rows × ne[0] floats), dequantizing from the tensor's type.</summary>
    /// <exception cref="NotSupportedException">A type Strata cannot dequantize; the message names the file, tensor and type.</exception>
    public void ReadRows(GgufTensorInfo tensor, long firstRow, int rows, Span<float> output)
    {
        var type = TypeOf(tensor);
        if (!GgmlTypes.IsSupported(type))
        {
            throw new NotSupportedException(
                $"{_file.Path}: tensor '{tensor.Name}' is {GgmlTypes.Name(type)}, which Strata cannot read (supported: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_K, q5_K, q6_K)");
        }
        long columns = (long)tensor.Shape[0];
        long rowBytes = GgmlTypes.RowBytes(type, columns);
        if (firstRow < 0 || rows < 0 || firstRow + rows > RowCount(tensor))
            throw new ArgumentOutOfRangeException(nameof(rows), $"rows {firstRow}..{firstRow + rows} are outside tensor '{tensor.Name}'");
        int bytes = checked((int)(rowBytes * rows));
        if (_buffer.Length < bytes) _buffer = new byte[bytes];
        _stream.Position = _file.DataOffset + (long)tensor.Offset + firstRow * rowBytes;
        _stream.ReadExactly(_buffer, 0, bytes);
        for (int r = 0; r < rows; r++)
        {
            Quantizer.DequantizeRow(type, _buffer.AsSpan((int)(r * rowBytes), (int)rowBytes),
                output.Slice((int)(r * columns), (int)columns));
        }
    }

    /// <summary>Hands a tensor's stored bytes to <paramref name="consume"/> in chunks of at most 16 MiB, unconverted.</summary>
    public void CopyRaw(GgufTensorInfo tensor, Action<ReadOnlySpan<byte>> consume)
    {
        long remaining = checked(GgmlTypes.RowBytes(TypeOf(tensor), (long)tensor.Shape[0]) * RowCount(tensor));
        if (_buffer.Length < Math.Min(remaining, 1 << 24)) _buffer = new byte[Math.Min(remaining, 1 << 24)];
        _stream.Position = _file.DataOffset + (long)tensor.Offset;
        while (remaining > 0)
        {
            int count = (int)Math.Min(remaining, _buffer.Length);
            _stream.ReadExactly(_buffer, 0, count);
            consume(_buffer.AsSpan(0, count));
            remaining -= count;
        }
    }

    /// <summary>A whole (small) tensor as float32, in storage order.</summary>
    public float[] ReadAll(GgufTensorInfo tensor)
    {
        long rows = RowCount(tensor);
        var values = new float[checked((long)tensor.Shape[0] * rows)];
        ReadRows(tensor, 0, checked((int)rows), values);
        return values;
    }

    public void Dispose() => _stream.Dispose();

    private void CheckBounds(GgufTensorInfo tensor)
    {
        var type = TypeOf(tensor);
        if (!GgmlTypes.IsKnown(type))
            throw new InvalidDataException($"{_file.Path}: tensor '{tensor.Name}' has unknown ggml type {tensor.GgmlType}.");
        if (tensor.Shape.Count == 0 || tensor.Shape.Any(d => d > int.MaxValue))
            throw new InvalidDataException($"{_file.Path}: tensor '{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}].");
        long bytes;
        try
        {
            bytes = checked(GgmlTypes.RowBytes(type, (long)tensor.Shape[0]) * RowCount(tensor));
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"{_file.Path}: tensor '{tensor.Name}' [{string.Join(", ", tensor.Shape)}]: {e.Message}", e);
        }
        if (tensor.Offset % (ulong)_file.Alignment != 0)
            throw new InvalidDataException($"{_file.Path}: tensor '{tensor.Name}' starts at offset {tensor.Offset}, not a multiple of the alignment {_file.Alignment}.");
        if (tensor.Offset > (ulong)_stream.Length || _file.DataOffset + (long)tensor.Offset + bytes > _stream.Length)
        {
            throw new InvalidDataException(
                $"{_file.Path}: tensor '{tensor.Name}' ({bytes} bytes at data offset {tensor.Offset}) runs past the end of the {_stream.Length}-byte file; the file is truncated or corrupt.");
        }
    }
}
