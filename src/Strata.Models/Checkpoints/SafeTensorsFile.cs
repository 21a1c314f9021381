using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using TorchSharp;

namespace Strata.Models.Checkpoints;

/// <summary>
/// A read-only, memory-mapped safetensors file: the header is parsed and validated on <see cref="Open"/>,
/// tensor bytes are copied out of the mapping only when <see cref="Load"/> asks for them.
/// Safe to <see cref="Load"/> from several threads; not after <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;
    private readonly long _dataStart;

    private SafeTensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer,
        long dataStart, SafeTensorsHeader header)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePointer;
        _dataStart = dataStart;
        Tensors = header.Tensors;
        Metadata = header.Metadata;
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Every tensor in the header, by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Maps <paramref name="path"/> and validates its header and layout.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not a valid safetensors file (too short, header length beyond the file,
    /// invalid JSON, unknown dtype, offsets that overlap, leave gaps or do not match shape × dtype size, truncated
    /// or trailing data); the message names the file and the problem.</exception>
    public static SafeTensorsFile Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8) throw SafeTensorsHeader.Error(path, $"file is {fileLength} bytes, shorter than the 8-byte header length");
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointer += view.PointerOffset;

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(pointer, 8));
            if (headerLength > (ulong)(fileLength - 8))
            {
                throw SafeTensorsHeader.Error(path, $"header length {headerLength} runs past the end of the {fileLength}-byte file");
            }
            if (headerLength > SafeTensorsHeader.MaxHeaderBytes)
            {
                throw SafeTensorsHeader.Error(path, $"header length {headerLength} exceeds the {SafeTensorsHeader.MaxHeaderBytes}-byte limit");
            }
            // The header is small; copying it keeps JSON parsing off the raw pointer.
            var json = new ReadOnlySpan<byte>(pointer + 8, (int)headerLength).ToArray();
            long dataStart = 8 + (long)headerLength;
            var header = SafeTensorsHeader.Parse(path, json, fileLength - dataStart);
            return new SafeTensorsFile(path, map, view, pointer, dataStart, header);
        }
        catch
        {
            if (pointer != null) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (map is null) stream.Dispose();
            map?.Dispose();
            throw;
        }
    }

    /// <summary>The header entry for <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor; the message names the file and the tensor.</exception>
    public SafeTensorInfo Info(string name) =>
        Tensors.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"Tensor '{name}' is not in safetensors file '{Path}'");

    /// <summary>
    /// Copies tensor <paramref name="name"/> into a new CPU tensor of the file's shape, in the file's dtype or, when
    /// <paramref name="dtype"/> is given, converted to it by TorchSharp (F16/BF16 → F32 is exact).
    /// </summary>
    /// <returns>A new tensor owned by the caller (moved to the caller's dispose scope, if any).</returns>
    /// <exception cref="KeyNotFoundException">No such tensor; the message names the file and the tensor.</exception>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    public torch.Tensor Load(string name, torch.ScalarType? dtype = null)
    {
        var info = Info(name);
        ObjectDisposedException.ThrowIf(_base == null, this);
        using var scope = torch.NewDisposeScope();
        // One flat tensor in the stored dtype, filled by memcpy: the bytes are already little-endian C order.
        var flat = torch.empty(info.ElementCount, info.DType.ToScalarType());
        if (info.Length > 0) TensorBytes.CopyInto(flat, _base + _dataStart + info.Offset, info.Length);
        var shaped = flat.reshape(info.Shape);
        var result = dtype is { } target && target != shaped.dtype ? shaped.to(target) : shaped;
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The stored bytes of <paramref name="name"/> in place, for runtimes that read weights from the mapping instead of
    /// copying them. Valid until <see cref="Dispose"/>; never written through.
    /// </summary>
    internal byte* Pointer(string name)
    {
        var info = Info(name);
        ObjectDisposedException.ThrowIf(_base == null, this);
        return _base + _dataStart + info.Offset;
    }

    /// <summary>Unmaps the file. Tensors already loaded stay valid (they own copies).</summary>
    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
