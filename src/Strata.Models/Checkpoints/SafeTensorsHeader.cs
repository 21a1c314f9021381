using System.Text.Json;

namespace Strata.Models.Checkpoints;

/// <summary>
/// Parses and validates a safetensors JSON header with the reference implementation's rules: every tensor's
/// <c>data_offsets</c> must match shape × dtype size, and the tensors, sorted by offset, must tile the data
/// section exactly (no gaps, no overlaps, nothing after the last one).
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>The reference implementation refuses headers above 100 MB; so does Strata.</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    public required Dictionary<string, SafeTensorInfo> Tensors { get; init; }
    public required Dictionary<string, string> Metadata { get; init; }

    /// <summary>Parses <paramref name="json"/> (the header bytes) for a file whose data section is <paramref name="dataLength"/> bytes.</summary>
    /// <exception cref="InvalidDataException">Anything wrong; the message starts with <paramref name="path"/>.</exception>
    internal static SafeTensorsHeader Parse(string path, ReadOnlyMemory<byte> json, long dataLength)
    {
        JsonDocument document;
        try
        {
            // JsonDocument rejects invalid UTF-8 as well as invalid JSON; trailing space padding is whitespace.
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Error(path, $"header is not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Error(path, "header is not a JSON object");
            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (sawMetadata) throw Error(path, "header has two __metadata__ entries");
                    sawMetadata = true;
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }
                if (tensors.ContainsKey(property.Name)) throw Error(path, $"tensor '{property.Name}' appears twice in the header");
                tensors.Add(property.Name, ReadTensor(path, property.Name, property.Value));
            }
            CheckLayout(path, tensors.Values, dataLength);
            return new SafeTensorsHeader { Tensors = tensors, Metadata = metadata };
        }
    }

    internal static InvalidDataException Error(string path, string what, Exception? inner = null) =>
        new($"Invalid safetensors file '{path}': {what}", inner);

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Error(path, "__metadata__ is not a JSON object");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw Error(path, $"__metadata__ value for '{entry.Name}' is {entry.Value.ValueKind}, not a string");
            }
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!)) throw Error(path, $"__metadata__ key '{entry.Name}' appears twice");
        }
    }

    private static SafeTensorInfo ReadTensor(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Error(path, $"tensor '{name}': entry is not a JSON object");
        JsonElement? dtypeElement = null, shapeElement = null, offsetsElement = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype": dtypeElement = field.Value; break;
                case "shape": shapeElement = field.Value; break;
                case "data_offsets": offsetsElement = field.Value; break;
                default: break; // the reference reader ignores unknown fields too
            }
        }
        if (dtypeElement is not { ValueKind: JsonValueKind.String } dtypeText)
        {
            throw Error(path, $"tensor '{name}': missing or non-string \"dtype\"");
        }
        string dtypeName = dtypeText.GetString()!;
        if (!SafeTensorDTypes.TryParseHeaderName(dtypeName, out var dtype))
        {
            throw Error(path, $"tensor '{name}': unknown or unsupported dtype '{dtypeName}'");
        }
        long[] shape = ReadNumbers(path, name, "shape", shapeElement);
        long[] offsets = ReadNumbers(path, name, "data_offsets", offsetsElement);
        if (offsets.Length != 2) throw Error(path, $"tensor '{name}': data_offsets has {offsets.Length} numbers, expected 2");
        if (offsets[1] < offsets[0]) throw Error(path, $"tensor '{name}': data_offsets [{offsets[0]}, {offsets[1]}] end before they start");

        long expected;
        try
        {
            expected = dtype.ElementSize();
            foreach (long d in shape) expected = checked(expected * d);
        }
        catch (OverflowException)
        {
            throw Error(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] overflows");
        }
        long length = offsets[1] - offsets[0];
        if (length != expected)
        {
            throw Error(path, $"tensor '{name}': data_offsets [{offsets[0]}, {offsets[1]}] span {length} bytes but {dtypeName} "
                + $"shape [{string.Join(", ", shape)}] needs {expected}");
        }
        return new SafeTensorInfo(name, dtype, shape, offsets[0], length);
    }

    private static long[] ReadNumbers(string path, string name, string field, JsonElement? element)
    {
        if (element is not { ValueKind: JsonValueKind.Array } array) throw Error(path, $"tensor '{name}': missing or non-array \"{field}\"");
        var numbers = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long n) || n < 0)
            {
                throw Error(path, $"tensor '{name}': \"{field}\" holds {item.GetRawText()}, not a non-negative integer");
            }
            numbers[i++] = n;
        }
        return numbers;
    }

    private static void CheckLayout(string path, IEnumerable<SafeTensorInfo> tensors, long dataLength)
    {
        long position = 0;
        foreach (var info in tensors.OrderBy(t => t.Offset).ThenBy(t => t.Length))
        {
            if (info.Offset != position)
            {
                string what = info.Offset < position ? "overlaps the previous tensor" : $"leaves a gap after byte {position}";
                throw Error(path, $"tensor '{info.Name}': data_offsets [{info.Offset}, {info.Offset + info.Length}] {what}");
            }
            position += info.Length;
        }
        if (position != dataLength)
        {
            string what = position > dataLength ? "is truncated" : "has trailing bytes";
            throw Error(path, $"data section {what}: header describes {position} bytes, file holds {dataLength}");
        }
    }
}
