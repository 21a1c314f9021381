using Strata.Models.Configuration;
using Strata.Models.Quantization;

namespace Strata.Models.Gguf;

/// <summary>One tensor of an export, reported as it starts being written.</summary>
/// <param name="Index">1-based position in the file.</param>
/// <param name="Shape">GGUF order (ne[0] first).</param>
public sealed record GgufExportProgress(int Index, int Count, string Tensor, IReadOnlyList<long> Shape, string SourceType, GgmlType Type, long Bytes);

/// <summary>What an export wrote.</summary>
public sealed record GgufExportResult(string Path, GgufFileType FileType, int TensorCount, long FileBytes,
    IReadOnlyDictionary<GgmlType, int> TensorsByType, ModelConfig Config);

/// <summary>
/// Writes a GGUF model file that llama.cpp loads (<c>strata quantize</c>): from a Hugging Face checkpoint folder
/// (config.json, single or sharded safetensors in F32/F16/BF16, tokenizer.json, optional tokenizer_config.json and
/// generation_config.json) or from another GGUF file (requantized: dequantized, then quantized again; tensors already
/// of the target type are copied unchanged, as llama-quantize does).
/// </summary>
/// <remarks>
/// One tensor is in memory at a time; the output is written under a temporary name and renamed when complete.
/// Tensor types follow <see cref="GgufTensorTypes"/>, metadata <see cref="GgufArchitecture"/> and
/// <c>GgufTokenizerMetadata</c>; llama Q/K projections are permuted as convert_hf_to_gguf.py does. Tensors are written
/// in llama.cpp's order (unnumbered tensors by name, then each layer's by name).
/// </remarks>
public static class GgufExporter
{
    /// <summary>Exports <paramref name="source"/> (a model folder or a .gguf file) to <paramref name="outputPath"/>.</summary>
    /// <exception cref="FileNotFoundException">No config.json, weights or tokenizer.json in the folder, or no such file.</exception>
    /// <exception cref="InvalidDataException">Malformed input; the message names the file and, where it applies, the tensor.</exception>
    /// <exception cref="NotSupportedException">An architecture, position encoding (ALiBi), tokenizer or tensor type llama.cpp or
    /// Strata cannot carry; the message says which.</exception>
    public static GgufExportResult Export(string source, string outputPath, GgufFileType fileType,
        IProgress<GgufExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        GgufFileTypes.DefaultTensorType(fileType); // refuses file types Strata does not write, before any work
        using IExportSource input = Directory.Exists(source) ? new HuggingFaceSource(source)
            : File.Exists(source) ? new GgufSource(source)
            : throw new FileNotFoundException($"{source}: no model folder or GGUF file there", source);
        if (Path.GetFullPath(source) == Path.GetFullPath(outputPath))
            throw new ArgumentException($"{outputPath}: the output would overwrite the input", nameof(outputPath));

        var tensors = input.Tensors.OrderBy(t => GgufTensorNames.LayerOf(t.Name) ?? -1).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var types = GgufTensorTypes.Choose(fileType, tensors.Select(t => (t.Name, t.Dimensions)).ToList(), input.Config,
            name => tensors.First(t => t.Name == name).SourceGgmlType);

        using var writer = new GgufWriter(outputPath);
        foreach (var (key, value) in input.Metadata(fileType)) writer.AddMetadata(key, value);
        foreach (var tensor in tensors) writer.AddTensor(tensor.Name, types[tensor.Name], tensor.Dimensions);
        var declared = writer.Tensors;
        for (int i = 0; i < tensors.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tensor = tensors[i];
            var type = types[tensor.Name];
            long bytes = GgmlTypes.RowBytes(type, tensor.Dimensions[0]) * tensor.Dimensions.Skip(1).Aggregate(1L, (a, b) => a * b);
            progress?.Report(new GgufExportProgress(i + 1, tensors.Count, tensor.Name, tensor.Dimensions,
                tensor.SourceType, type, bytes));
            input.Write(tensor, type, writer);
            if (writer.CurrentTensor == tensor.Name)
                throw new InvalidOperationException($"{source}: tensor '{tensor.Name}' was not written in full"); // a bug, not bad input
        }
        writer.Complete();
        return new GgufExportResult(Path.GetFullPath(outputPath), fileType, declared.Count, new FileInfo(outputPath).Length,
            types.Values.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count()), input.Config);
    }
}

/// <summary>A tensor as an export source offers it: GGUF name, GGUF-order dimensions, and the type it is stored as.</summary>
internal sealed record ExportTensor(string Name, IReadOnlyList<long> Dimensions, string SourceType, GgmlType? SourceGgmlType);

/// <summary>Where an export reads from: configuration, metadata and tensor rows.</summary>
internal interface IExportSource : IDisposable
{
    ModelConfig Config { get; }

    IReadOnlyList<ExportTensor> Tensors { get; }

    IReadOnlyList<KeyValuePair<string, object>> Metadata(GgufFileType fileType);

    /// <summary>Writes all of <paramref name="tensor"/>'s data as <paramref name="type"/>.</summary>
    void Write(ExportTensor tensor, GgmlType type, GgufWriter writer);
}

/// <summary>Quantizes float rows into a reused buffer and hands the bytes to the writer; refuses NaN and infinity.</summary>
internal sealed class RowEncoder(string source)
{
    private byte[] _buffer = [];

    public void Write(ExportTensor tensor, GgmlType type, ReadOnlySpan<float> rows, int columns, GgufWriter writer)
    {
        int count = rows.Length / columns;
        int rowBytes = (int)GgmlTypes.RowBytes(type, columns);
        if (_buffer.Length < rowBytes * count) _buffer = new byte[rowBytes * count];
        for (int r = 0; r < count; r++)
        {
            var row = rows.Slice(r * columns, columns);
            foreach (float value in row)
            {
                if (!float.IsFinite(value))
                    throw new InvalidDataException($"{source}: tensor '{tensor.Name}' holds {value} (row {r}); quantizing it would give a broken file");
            }
            Quantizer.QuantizeRow(type, row, _buffer.AsSpan(r * rowBytes, rowBytes));
        }
        writer.WriteTensorData(_buffer.AsSpan(0, rowBytes * count));
    }
}
