using System.Buffers.Binary;
using System.Text;
using Strata.Models.Quantization;

namespace Strata.Models.Gguf;

/// <summary>
/// Writes a GGUF v3 file: metadata and tensor infos declared first, then tensor data streamed in declaration order,
/// so a model never has to be in memory at once. The file is written beside the target under a temporary name and
/// renamed over it by <see cref="Complete"/>; disposing without completing deletes the temporary file.
/// </summary>
/// <remarks>
/// Metadata values are the .NET forms <see cref="GgufFile"/> returns: byte, sbyte, ushort, short, uint, int, float,
/// bool, string, ulong, long, double, typed arrays of those (<c>string[]</c>, <c>int[]</c>, <c>float[]</c>, ...) and
/// <c>object[]</c> (nested arrays, or boxed scalars of one type). Each tensor's data starts at a multiple of
/// <see cref="Alignment"/> and is followed by zero padding to the next multiple, as llama.cpp writes it.
/// </remarks>
public sealed class GgufWriter : IDisposable
{
    /// <summary>GGUF's default alignment; <c>general.alignment</c> is written only for another value.</summary>
    public const int DefaultAlignment = 32;

    private const uint Magic = 0x46554747; // "GGUF" as a little-endian uint32
    private const uint Version = 3;

    private readonly string _path;
    private readonly string _temporary;
    private readonly List<(string Key, GgufValueType Type, object Value, GgufValueType ElementType)> _metadata = [];
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private FileStream? _stream;
    private bool _headerWritten;
    private bool _completed;
    private int _current;
    private long _writtenOfCurrent;
    private readonly byte[] _scratch = new byte[8];

    /// <summary>Starts a file that <see cref="Complete"/> will place at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a positive power of two.</exception>
    public GgufWriter(string path, int alignment = DefaultAlignment)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
            throw new ArgumentException($"GGUF alignment must be a positive power of two, not {alignment}", nameof(alignment));
        _path = Path.GetFullPath(path);
        Alignment = alignment;
        string directory = Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(directory);
        _temporary = Path.Combine(directory, $".{Path.GetFileName(_path)}.{Guid.NewGuid():N}.tmp");
        if (alignment != DefaultAlignment) AddMetadata("general.alignment", (uint)alignment);
    }

    /// <summary>Alignment of tensor data in bytes.</summary>
    public int Alignment { get; }

    /// <summary>The declared tensors, in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors => _tensors.Select(t => t.Info).ToList();

    /// <summary>Adds a metadata entry; its GGUF type follows from the .NET type (see the class remarks).</summary>
    /// <param name="elementType">For an empty <c>object[]</c>, the GGUF type of its (absent) elements.</param>
    /// <exception cref="ArgumentException">A duplicate key, a value of no GGUF type, or a mixed or untyped array.</exception>
    /// <exception cref="InvalidOperationException">Tensor data has already started.</exception>
    public void AddMetadata(string key, object value, GgufValueType? elementType = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (_headerWritten) throw new InvalidOperationException($"{_path}: metadata '{key}' added after tensor data started");
        if (!_keys.Add(key)) throw new ArgumentException($"{_path}: metadata key '{key}' added twice", nameof(key));
        var type = TypeOf(value, key);
        var element = type == GgufValueType.Array ? ElementTypeOf(value, key, elementType) : default;
        _metadata.Add((key, type, value, element));
    }

    /// <summary>Declares a tensor; its data must later be written in declaration order.</summary>
    /// <param name="dimensions">GGUF order: <c>dimensions[0]</c> is the row length (ne[0], PyTorch's last dimension).</param>
    /// <exception cref="ArgumentException">A duplicate name, no or negative dimensions, or a row length that is not a
    /// multiple of the type's block size; the message names the tensor.</exception>
    /// <exception cref="InvalidOperationException">Tensor data has already started.</exception>
    public GgufTensorInfo AddTensor(string name, GgmlType type, IReadOnlyList<long> dimensions)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_headerWritten) throw new InvalidOperationException($"{_path}: tensor '{name}' declared after tensor data started");
        if (_tensors.Any(t => t.Info.Name == name)) throw new ArgumentException($"{_path}: tensor '{name}' declared twice", nameof(name));
        if (dimensions.Count is 0 or > 4 || dimensions.Any(d => d < 0))
            throw new ArgumentException($"{_path}: tensor '{name}' has dimensions [{string.Join(", ", dimensions)}]; GGUF needs 1 to 4, none negative", nameof(dimensions));
        long bytes;
        try
        {
            bytes = GgmlTypes.RowBytes(type, dimensions[0]) * dimensions.Skip(1).Aggregate(1L, (a, b) => checked(a * b));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{_path}: tensor '{name}': {e.Message}", nameof(dimensions), e);
        }
        long offset = _tensors.Count == 0 ? 0 : Align(_tensors[^1].Info.Offset + (ulong)_tensors[^1].Bytes);
        var info = new GgufTensorInfo(name, dimensions.Select(d => (ulong)d).ToArray(), (uint)type, (ulong)offset);
        _tensors.Add(new PendingTensor(info, bytes));
        return info;

        long Align(ulong position) => (long)((position + (ulong)Alignment - 1) / (ulong)Alignment * (ulong)Alignment);
    }

    /// <summary>
    /// Appends bytes of tensor data: the declared tensors are filled in order, each exactly as many bytes as its
    /// type and shape need; chunks may be any size and may not span two tensors.
    /// </summary>
    /// <exception cref="InvalidOperationException">More bytes than the current tensor holds, or none is left to write.</exception>
    public void WriteTensorData(ReadOnlySpan<byte> data)
    {
        EnsureHeader();
        while (_current < _tensors.Count && _tensors[_current].Bytes == _writtenOfCurrent) NextTensor();
        if (data.IsEmpty) return;
        if (_current >= _tensors.Count) throw new InvalidOperationException($"{_path}: tensor data written past the last declared tensor");
        var tensor = _tensors[_current];
        if (data.Length > tensor.Bytes - _writtenOfCurrent)
        {
            throw new InvalidOperationException(
                $"{_path}: {data.Length} bytes written to tensor '{tensor.Info.Name}', which has {tensor.Bytes - _writtenOfCurrent} of its {tensor.Bytes} bytes left");
        }
        _stream!.Write(data);
        _writtenOfCurrent += data.Length;
    }

    /// <summary>Name of the tensor the next <see cref="WriteTensorData"/> bytes belong to; null when all are written.</summary>
    public string? CurrentTensor
    {
        get
        {
            int index = _current;
            long written = _writtenOfCurrent;
            while (index < _tensors.Count && _tensors[index].Bytes == written)
            {
                index++;
                written = 0;
            }
            return index < _tensors.Count ? _tensors[index].Info.Name : null;
        }
    }

    /// <summary>Finishes the file (flushed to disk) and renames it over the target path.</summary>
    /// <exception cref="InvalidOperationException">Some declared tensor has not received all its bytes.</exception>
    public void Complete()
    {
        if (_completed) return;
        EnsureHeader();
        while (_current < _tensors.Count && _tensors[_current].Bytes == _writtenOfCurrent) NextTensor();
        if (_current < _tensors.Count)
        {
            var missing = _tensors[_current];
            throw new InvalidOperationException(
                $"{_path}: tensor '{missing.Info.Name}' received {_writtenOfCurrent} of its {missing.Bytes} bytes ({_tensors.Count - _current} tensors incomplete)");
        }
        _stream!.Flush(flushToDisk: true);
        _stream.Dispose();
        _stream = null;
        File.Move(_temporary, _path, overwrite: true);
        _completed = true;
    }

    /// <summary>Closes the file; without <see cref="Complete"/>, the temporary file is deleted and the target untouched.</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        if (!_completed && File.Exists(_temporary)) File.Delete(_temporary);
    }

    private void NextTensor()
    {
        long padding = (Alignment - _tensors[_current].Bytes % Alignment) % Alignment;
        for (long i = 0; i < padding; i++) _stream!.WriteByte(0);
        _current++;
        _writtenOfCurrent = 0;
    }

    private void EnsureHeader()
    {
        if (_headerWritten) return;
        _headerWritten = true;
        _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        U32(Magic);
        U32(Version);
        U64((ulong)_tensors.Count);
        U64((ulong)_metadata.Count);
        foreach (var (key, type, value, element) in _metadata)
        {
            String(key);
            U32((uint)type);
            Value(type, value, element, key);
        }
        foreach (var tensor in _tensors)
        {
            String(tensor.Info.Name);
            U32((uint)tensor.Info.Shape.Count);
            foreach (ulong d in tensor.Info.Shape) U64(d);
            U32(tensor.Info.GgmlType);
            U64(tensor.Info.Offset);
        }
        long padding = (Alignment - _stream.Position % Alignment) % Alignment;
        for (long i = 0; i < padding; i++) _stream.WriteByte(0);
    }

    private void Value(GgufValueType type, object value, GgufValueType element, string key)
    {
        switch (type)
        {
            case GgufValueType.UInt8: _stream!.WriteByte((byte)value); break;
            case GgufValueType.Int8: _stream!.WriteByte((byte)(sbyte)value); break;
            case GgufValueType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(_scratch, (ushort)value); _stream!.Write(_scratch, 0, 2); break;
            case GgufValueType.Int16: BinaryPrimitives.WriteInt16LittleEndian(_scratch, (short)value); _stream!.Write(_scratch, 0, 2); break;
            case GgufValueType.UInt32: U32((uint)value); break;
            case GgufValueType.Int32: U32(unchecked((uint)(int)value)); break;
            case GgufValueType.Float32: U32(BitConverter.SingleToUInt32Bits((float)value)); break;
            case GgufValueType.Bool: _stream!.WriteByte((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: String((string)value); break;
            case GgufValueType.UInt64: U64((ulong)value); break;
            case GgufValueType.Int64: U64(unchecked((ulong)(long)value)); break;
            case GgufValueType.Float64: U64(BitConverter.DoubleToUInt64Bits((double)value)); break;
            case GgufValueType.Array:
                var array = (Array)value;
                U32((uint)element);
                U64((ulong)array.Length);
                foreach (object item in array)
                {
                    var itemType = TypeOf(item, key);
                    Value(itemType, item, itemType == GgufValueType.Array ? ElementTypeOf(item, key, null) : default, key);
                }
                break;
        }
    }

    private static GgufValueType TypeOf(object value, string key) => value switch
    {
        byte => GgufValueType.UInt8,
        sbyte => GgufValueType.Int8,
        ushort => GgufValueType.UInt16,
        short => GgufValueType.Int16,
        uint => GgufValueType.UInt32,
        int => GgufValueType.Int32,
        float => GgufValueType.Float32,
        bool => GgufValueType.Bool,
        string => GgufValueType.String,
        ulong => GgufValueType.UInt64,
        long => GgufValueType.Int64,
        double => GgufValueType.Float64,
        Array => GgufValueType.Array,
        _ => throw new ArgumentException($"metadata '{key}': {value.GetType().Name} has no GGUF type", nameof(value)),
    };

    private static GgufValueType ElementTypeOf(object array, string key, GgufValueType? declared)
    {
        // Exact type: array covariance makes a string[] an object[] too.
        if (array.GetType() == typeof(object[]))
        {
            var boxed = (object[])array;
            if (boxed.Length == 0)
            {
                return declared ?? throw new ArgumentException(
                    $"metadata '{key}': an empty object[] needs its element type given", nameof(array));
            }
            var first = TypeOf(boxed[0], key);
            if (boxed.Any(item => TypeOf(item, key) != first))
                throw new ArgumentException($"metadata '{key}': GGUF arrays hold one element type, this one mixes several", nameof(array));
            return first;
        }
        // By element type, not by pattern: the CLR lets an int[] pass for a uint[] (and byte[] for sbyte[]).
        var elementType = array.GetType().GetElementType()!;
        if (elementType.IsArray) return GgufValueType.Array;
        return Type.GetTypeCode(elementType) switch
        {
            TypeCode.Byte => GgufValueType.UInt8,
            TypeCode.SByte => GgufValueType.Int8,
            TypeCode.UInt16 => GgufValueType.UInt16,
            TypeCode.Int16 => GgufValueType.Int16,
            TypeCode.UInt32 => GgufValueType.UInt32,
            TypeCode.Int32 => GgufValueType.Int32,
            TypeCode.Single => GgufValueType.Float32,
            TypeCode.Boolean => GgufValueType.Bool,
            TypeCode.String => GgufValueType.String,
            TypeCode.UInt64 => GgufValueType.UInt64,
            TypeCode.Int64 => GgufValueType.Int64,
            TypeCode.Double => GgufValueType.Float64,
            _ => throw new ArgumentException($"metadata '{key}': {array.GetType().Name} has no GGUF array type", nameof(array)),
        };
    }

    private void U32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_scratch, value);
        _stream!.Write(_scratch, 0, 4);
    }

    private void U64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_scratch, value);
        _stream!.Write(_scratch, 0, 8);
    }

    private void String(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        U64((ulong)utf8.Length);
        _stream!.Write(utf8);
    }

    private sealed record PendingTensor(GgufTensorInfo Info, long Bytes);
}
