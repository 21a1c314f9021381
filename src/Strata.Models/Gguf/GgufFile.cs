using System.Buffers.Binary;
using System.Text;

namespace Strata.Models.Gguf;

/// <summary>GGUF metadata value types, numbered as in the GGUF specification.</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>
/// One tensor's description; the tensor data itself is never read. <c>Offset</c> is relative to <see cref="GgufFile.DataOffset"/>.
/// </summary>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<ulong> Shape, uint GgmlType, ulong Offset);

/// <summary>
/// A GGUF file's header, metadata and tensor infos (versions 2 and 3, little-endian).
/// Scalar values are boxed .NET primitives; arrays are typed .NET arrays (string[], int[], float[] ...),
/// nested arrays are object[] of those.
/// </summary>
public sealed class GgufFile
{
    private const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    private const int DefaultAlignment = 32;

    public string Path { get; }
    public uint Version { get; }
    public IReadOnlyDictionary<string, object> Metadata { get; }
    public IReadOnlyDictionary<string, GgufValueType> MetadataTypes { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public int Alignment { get; }

    /// <summary>Absolute file offset where tensor data begins (aligned to <see cref="Alignment"/>).</summary>
    public long DataOffset { get; }

    private GgufFile(string path, uint version, Dictionary<string, object> metadata, Dictionary<string, GgufValueType> types,
        List<GgufTensorInfo> tensors, int alignment, long dataOffset)
    {
        Path = path;
        Version = version;
        Metadata = metadata;
        MetadataTypes = types;
        Tensors = tensors;
        Alignment = alignment;
        DataOffset = dataOffset;
    }

    public static GgufFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"GGUF file not found: {path}", path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads header, metadata and tensor infos from a seekable stream; <paramref name="name"/> is used in errors.</summary>
    public static GgufFile Read(Stream stream, string name)
    {
        var reader = new Reader(stream, name);
        uint magic = reader.U32("magic");
        if (magic != Magic)
            throw new InvalidDataException($"{name}: not a GGUF file (magic is 0x{magic:X8}, expected 0x{Magic:X8} \"GGUF\").");
        uint version = reader.U32("version");
        if (version is not (2 or 3))
            throw new InvalidDataException($"{name}: unsupported GGUF version {version} (supported: 2, 3).");
        ulong tensorCount = reader.U64("tensor count");
        ulong kvCount = reader.U64("metadata count");
        // Each entry needs at least a few bytes, so counts beyond the file size mean corruption, not a huge file.
        if (tensorCount > (ulong)stream.Length || kvCount > (ulong)stream.Length)
            throw new InvalidDataException($"{name}: implausible tensor count {tensorCount} or metadata count {kvCount}.");

        var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
        var types = new Dictionary<string, GgufValueType>(StringComparer.Ordinal);
        for (ulong i = 0; i < kvCount; i++)
        {
            string key = reader.String("metadata key");
            var type = (GgufValueType)reader.U32($"type of '{key}'");
            metadata[key] = reader.Value(type, key);
            types[key] = type;
        }

        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        for (ulong i = 0; i < tensorCount; i++)
        {
            string tensorName = reader.String("tensor name");
            uint dims = reader.U32($"dimension count of tensor '{tensorName}'");
            if (dims > 8) throw new InvalidDataException($"{name}: tensor '{tensorName}' has {dims} dimensions (at most 8 are valid).");
            var shape = new ulong[dims];
            for (int d = 0; d < dims; d++) shape[d] = reader.U64($"shape of tensor '{tensorName}'");
            uint ggmlType = reader.U32($"type of tensor '{tensorName}'");
            ulong offset = reader.U64($"offset of tensor '{tensorName}'");
            tensors.Add(new GgufTensorInfo(tensorName, shape, ggmlType, offset));
        }

        int alignment = DefaultAlignment;
        if (metadata.TryGetValue("general.alignment", out object? a))
        {
            alignment = Convert.ToInt32(a, System.Globalization.CultureInfo.InvariantCulture);
            if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
                throw new InvalidDataException($"{name}: general.alignment {alignment} is not a positive power of two.");
        }
        long position = stream.Position;
        long dataOffset = (position + alignment - 1) / alignment * alignment;
        return new GgufFile(name, version, metadata, types, tensors, alignment, dataOffset);
    }

    public bool TryGet<T>(string key, out T value)
    {
        if (Metadata.TryGetValue(key, out object? raw) && raw is T typed)
        {
            value = typed;
            return true;
        }
        value = default!;
        return false;
    }

    public string? GetString(string key) => Metadata.TryGetValue(key, out object? v) ? v as string : null;

    /// <summary>An integer value of any integer GGUF type, or null when absent.</summary>
    public long? GetInteger(string key)
    {
        if (!Metadata.TryGetValue(key, out object? v)) return null;
        return v switch
        {
            byte or sbyte or short or ushort or int or uint or long => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture),
            ulong u => checked((long)u),
            _ => throw new InvalidDataException($"{Path}: metadata '{key}' is {v.GetType().Name}, expected an integer."),
        };
    }

    public bool? GetBool(string key) => Metadata.TryGetValue(key, out object? v) && v is bool b ? b : null;

    /// <summary>Sequential little-endian reader that reports truncation with the file name and what was being read.</summary>
    private sealed class Reader(Stream stream, string name)
    {
        private readonly byte[] _scratch = new byte[8];

        private ReadOnlySpan<byte> Bytes(int count, string what)
        {
            int read = stream.ReadAtLeast(_scratch.AsSpan(0, count), count, throwOnEndOfStream: false);
            if (read < count) throw Truncated(what);
            return _scratch.AsSpan(0, count);
        }

        private InvalidDataException Truncated(string what) =>
            new($"{name}: file is truncated (ended while reading {what} at byte {stream.Position}).");

        public uint U32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, what));
        public ulong U64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8, what));

        public string String(string what)
        {
            ulong length = U64(what);
            if (length > (ulong)(stream.Length - stream.Position)) throw Truncated(what);
            var buffer = new byte[(int)length];
            stream.ReadExactly(buffer);
            return Encoding.UTF8.GetString(buffer);
        }

        public object Value(GgufValueType type, string key) => type switch
        {
            GgufValueType.UInt8 => Bytes(1, key)[0],
            GgufValueType.Int8 => (sbyte)Bytes(1, key)[0],
            GgufValueType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2, key)),
            GgufValueType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(Bytes(2, key)),
            GgufValueType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, key)),
            GgufValueType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, key)),
            GgufValueType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(Bytes(4, key)),
            GgufValueType.Bool => Bytes(1, key)[0] != 0,
            GgufValueType.String => String(key),
            GgufValueType.Array => Array(key),
            GgufValueType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8, key)),
            GgufValueType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(Bytes(8, key)),
            GgufValueType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(Bytes(8, key)),
            _ => throw new InvalidDataException($"{name}: unknown GGUF value type {(uint)type} for metadata '{key}'."),
        };

        private object Array(string key)
        {
            var elementType = (GgufValueType)U32(key);
            if (!Enum.IsDefined(elementType))
                throw new InvalidDataException($"{name}: unknown GGUF value type {(uint)elementType} in array '{key}'.");
            ulong count = U64(key);
            if (count > (ulong)(stream.Length - stream.Position))
                throw new InvalidDataException($"{name}: file is truncated or corrupt (array '{key}' claims {count} elements, more than the bytes left).");
            int n = (int)count;
            switch (elementType)
            {
                case GgufValueType.String:
                    var strings = new string[n];
                    for (int i = 0; i < n; i++) strings[i] = String(key);
                    return strings;
                case GgufValueType.Int32:
                    return Fill(new int[n], () => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, key)));
                case GgufValueType.UInt32:
                    return Fill(new uint[n], () => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, key)));
                case GgufValueType.Float32:
                    return Fill(new float[n], () => BinaryPrimitives.ReadSingleLittleEndian(Bytes(4, key)));
                case GgufValueType.Array:
                    return Fill(new object[n], () => Array(key));
                default:
                    // Rarer element types keep their boxed scalar form; Value() validates the type.
                    var values = new object[n];
                    for (int i = 0; i < n; i++) values[i] = Value(elementType, key);
                    return values;
            }
        }

        private static T[] Fill<T>(T[] target, Func<T> next)
        {
            for (int i = 0; i < target.Length; i++) target[i] = next();
            return target;
        }
    }
}
