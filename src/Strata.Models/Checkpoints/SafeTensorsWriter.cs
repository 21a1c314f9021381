using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using TorchSharp;

namespace Strata.Models.Checkpoints;

/// <summary>
/// Writes safetensors files laid out as the reference implementation (huggingface/safetensors) lays them out:
/// tensors ordered by descending dtype alignment then by name (ordinal), a compact JSON header with
/// <c>__metadata__</c> first, padded with spaces to a multiple of 8 bytes, then the raw little-endian data.
/// </summary>
public static class SafeTensorsWriter
{
    private static readonly JsonWriterOptions HeaderJson = new()
    {
        // serde_json writes non-ASCII names as raw UTF-8; the default encoder would \u-escape them.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/>, each in its own dtype and shape. The file appears
    /// atomically: it is written to a temporary file in the same directory, then moved over <paramref name="path"/>.
    /// </summary>
    /// <param name="path">Destination; its directory must exist. An existing file is replaced.</param>
    /// <param name="tensors">Names and tensors of any shape, on any device, in a dtype of <see cref="SafeTensorDType"/>
    /// (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL). Non-contiguous tensors are written in logical C order.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> string map, written with keys in ordinal order.</param>
    /// <exception cref="ArgumentException">A duplicate, empty or reserved (<c>__metadata__</c>) name.</exception>
    /// <exception cref="NotSupportedException">A tensor's dtype has no safetensors dtype here.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        path = Path.GetFullPath(path);
        var ordered = Order(tensors);
        byte[] header = BuildHeader(ordered, metadata);

        string temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var (_, _, tensor) in ordered) WriteData(tensor, stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>The header bytes (JSON plus space padding, without the 8-byte length) for tensors already in file order.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<(string Name, SafeTensorDType DType, torch.Tensor Tensor)> ordered,
        IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, HeaderJson))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject("__metadata__");
                foreach (var entry in metadata.OrderBy(e => e.Key, StringComparer.Ordinal)) json.WriteString(entry.Key, entry.Value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, dtype, tensor) in ordered)
            {
                long length = tensor.NumberOfElements * dtype.ElementSize();
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (long d in tensor.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += length;
            }
            json.WriteEndObject();
        }
        // Padding keeps the data section 8-byte aligned in the file, so mapped tensors can be read in place.
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    /// <summary>Validates names and dtypes and sorts into the reference file order.</summary>
    internal static List<(string Name, SafeTensorDType DType, torch.Tensor Tensor)> Order(
        IEnumerable<KeyValuePair<string, torch.Tensor>> tensors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<(string Name, SafeTensorDType DType, torch.Tensor Tensor)>();
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("A tensor name is empty", nameof(tensors));
            if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved and cannot name a tensor", nameof(tensors));
            if (!seen.Add(name)) throw new ArgumentException($"Tensor name '{name}' appears twice", nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, $"tensors[{name}]");
            list.Add((name, SafeTensorDTypes.FromScalarType(tensor.dtype), tensor));
        }
        list.Sort((a, b) =>
        {
            int byAlignment = b.DType.ReferenceAlignmentRank().CompareTo(a.DType.ReferenceAlignmentRank());
            // The reference compares Rust strings, i.e. UTF-8 bytes; UTF-16 ordinal order differs above U+D7FF.
            return byAlignment != 0 ? byAlignment
                : Encoding.UTF8.GetBytes(a.Name).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b.Name));
        });
        return list;
    }

    private static void WriteData(torch.Tensor tensor, Stream stream)
    {
        if (tensor.NumberOfElements == 0) return;
        using var scope = torch.NewDisposeScope();
        // cpu() and contiguous() return the tensor itself when nothing needs to change; reshape(-1) is then a view.
        var flat = tensor.cpu().contiguous().reshape(-1);
        TensorBytes.WriteTo(flat, stream);
    }
}
