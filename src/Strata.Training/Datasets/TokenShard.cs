using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Strata.Training.Datasets;

/// <summary>
/// Read-only, memory-mapped view of a token file (raw little-endian uint16 or uint32, nanoGPT's np.memmap).
/// The OS pages the file in on demand, so shards larger than memory work. Reads are thread-safe; Dispose is not
/// concurrent with reads.
/// </summary>
public sealed unsafe class TokenShard : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private bool _disposed;

    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file size is not a whole number of tokens.</exception>
    public TokenShard(string path, TokenDType dtype)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        DType = dtype;
        BytesPerToken = TokenDatasetInfo.BytesPerToken(dtype);
        var file = new FileInfo(Path);
        if (!file.Exists) throw new FileNotFoundException($"token file not found: {Path}", Path);
        if (file.Length % BytesPerToken != 0)
            throw new InvalidDataException($"{Path}: {file.Length} bytes is not a whole number of {dtype} tokens");
        Length = file.Length / BytesPerToken;
        // An empty file cannot be mapped; an empty shard simply has no pointer.
        if (Length == 0) return;
        _map = MemoryMappedFile.CreateFromFile(Path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, file.Length, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    public string Path { get; }
    public TokenDType DType { get; }
    public int BytesPerToken { get; }

    /// <summary>Number of tokens in the file.</summary>
    public long Length { get; }

    /// <summary>Copies tokens [offset, offset + destination.Length) into <paramref name="destination"/>, widened to int64.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside [0, Length).</exception>
    /// <exception cref="ObjectDisposedException">The shard was disposed.</exception>
    public void Read(long offset, Span<long> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || offset > Length - destination.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"tokens [{offset}, {offset + destination.Length}) are outside the shard's {Length} tokens ({Path})");
        if (destination.IsEmpty) return;
        byte* start = _base + offset * BytesPerToken;
        if (DType == TokenDType.UInt16)
        {
            var source = new ReadOnlySpan<ushort>(start, destination.Length);
            for (int i = 0; i < source.Length; i++)
                destination[i] = BitConverter.IsLittleEndian ? source[i] : BinaryPrimitives.ReverseEndianness(source[i]);
        }
        else
        {
            var source = new ReadOnlySpan<uint>(start, destination.Length);
            for (int i = 0; i < source.Length; i++)
                destination[i] = BitConverter.IsLittleEndian ? source[i] : BinaryPrimitives.ReverseEndianness(source[i]);
        }
    }

    /// <summary>All tokens as a new array (for small shards and tests).</summary>
    public long[] ReadAll()
    {
        if (Length > Array.MaxLength) throw new InvalidOperationException($"{Path}: {Length} tokens do not fit in one array");
        var all = new long[Length];
        Read(0, all);
        return all;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
