using System.IO.MemoryMappedFiles;
using Strata.Models.Gguf;
using Strata.Models.Quantization;

namespace Strata.Models.Native;

/// <summary>
/// A GGUF file's tensors, memory-mapped and found by their Hugging Face names (translated with
/// <see cref="GgufTensorNames"/>). Every tensor's byte range is checked against the file before it is handed out, so a
/// truncated or corrupt file is an error naming the tensor, never a read past the mapping.
/// </summary>
internal sealed unsafe class GgufSource : ITensorSource
{
    private readonly MemoryMappedFile map;
    private readonly MemoryMappedViewAccessor view;
    private readonly Dictionary<string, GgufTensorInfo> tensors;
    private readonly long fileLength;
    private readonly long dataOffset;
    private byte* pointer;

    public GgufSource(GgufFile file)
    {
        Origin = file.Path;
        dataOffset = file.DataOffset;
        tensors = file.Tensors.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read);
        fileLength = stream.Length;
        map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        pointer += view.PointerOffset;
    }

    public string Origin { get; }

    public bool Contains(string name) => GgufTensorNames.ToGguf(name) is string gguf && tensors.ContainsKey(gguf);

    public StoredTensor Get(string name)
    {
        string gguf = GgufTensorNames.ToGguf(name) ?? name;
        if (!tensors.TryGetValue(gguf, out var info)) throw new InvalidDataException($"{Origin}: missing tensor '{gguf}' ({name})");
        var type = (GgmlType)info.GgmlType;
        if (!GgmlTypes.IsKnown(type)) throw new InvalidDataException($"{Origin}: tensor '{gguf}' has unknown ggml type {info.GgmlType}");
        // GGUF lists dimensions fastest first: ne = [columns, rows] is PyTorch's [rows, columns].
        var shape = info.Shape.Reverse().Select(d => checked((long)d)).ToArray();
        long columns = shape.Length == 0 ? 1 : shape[^1];
        long rows = shape.Length <= 1 ? 1 : shape[..^1].Aggregate(1L, (a, b) => checked(a * b));
        if (columns % GgmlTypes.BlockSize(type) != 0)
        {
            throw new InvalidDataException($"{Origin}: tensor '{gguf}' rows of {columns} are not whole {GgmlTypes.Name(type)} blocks of {GgmlTypes.BlockSize(type)}");
        }
        long bytes = checked(rows * GgmlTypes.RowBytes(type, columns));
        long start = dataOffset + (long)info.Offset;
        if (info.Offset > (ulong)fileLength || start + bytes > fileLength)
        {
            throw new InvalidDataException($"{Origin}: tensor '{gguf}' ({GgmlTypes.Name(type)}, {bytes} bytes at offset {info.Offset}) runs past the end of the {fileLength}-byte file; the file is truncated or corrupt");
        }
        return new StoredTensor(name, type, shape, pointer + start);
    }

    public void Dispose()
    {
        if (pointer == null) return;
        pointer = null;
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        map.Dispose();
    }
}
