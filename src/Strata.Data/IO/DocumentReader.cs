using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet.Serialization;
using Strata.Data.Extraction;
using ZstdSharp;

namespace Strata.Data.IO;

/// <summary>
/// Reads documents from input files. Never throws for bad content: an invalid JSON line, bytes that are not UTF-8,
/// a missing <c>text</c> field or a truncated compressed file become <see cref="BadInput"/> records with their
/// location, and reading goes on with the next line (or the next file, when the rest of the file is unreadable).
/// </summary>
public static class DocumentReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private const int RawPreviewCharacters = 500;

    public static IEnumerable<ReadRecord> Read(InputShard shard, CancellationToken ct = default) =>
        shard.Files.SelectMany(file => Read(file, ct));

    public static IEnumerable<ReadRecord> Read(string path, CancellationToken ct = default) => InputFiles.FormatOf(path) switch
    {
        InputFormat.JsonLines => ReadJsonLines(path, ct),
        InputFormat.Parquet => ReadParquet(path, ct),
        InputFormat.SingleDocument => [ReadSingleDocument(path)],
        _ => throw new ArgumentException($"{path}: unsupported input type"),
    };

    /// <summary>Opens a file, transparently decompressing <c>.gz</c> and <c>.zst</c>.</summary>
    public static Stream OpenDecompressed(string path)
    {
        Stream file = File.OpenRead(path);
        string name = path.ToLowerInvariant();
        if (name.EndsWith(".gz")) return new GZipStream(file, CompressionMode.Decompress);
        if (name.EndsWith(".zst") || name.EndsWith(".zstd")) return new DecompressionStream(file);
        return file;
    }

    private static IEnumerable<ReadRecord> ReadJsonLines(string path, CancellationToken ct)
    {
        using var stream = OpenDecompressed(path);
        var lines = new ByteLineReader(stream);
        long lineNumber = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            byte[]? line;
            string? failure = null;
            try
            {
                line = lines.Next();
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or ZstdException)
            {
                line = null;
                failure = e.Message;
            }
            if (failure is not null)
            {
                yield return Bad($"{path}:{lineNumber + 1}", "truncated_file", $"compressed data ends or breaks after line {lineNumber}: {failure}");
                yield break;
            }
            if (line is null) yield break;
            lineNumber++;
            if (line.AsSpan().Trim((byte)' ').Trim((byte)'\r').IsEmpty) continue;
            var record = ParseJsonLine(line, $"{path}:{lineNumber}", Path.GetFileName(path), lineNumber);
            // A last line cut mid-way, with no newline after it, is what a truncated file (or a download that
            // stopped) looks like: .NET's GZipStream ends quietly at the break rather than throwing.
            if (record.Error is { Reason: "invalid_json" } && lines.EndedWithoutNewline)
                record = Bad(record.Location, "truncated_file", $"the file ends inside line {lineNumber}", Encoding.UTF8.GetString(line));
            yield return record;
        }
    }

    internal static ReadRecord ParseJsonLine(byte[] line, string location, string fileName, long lineNumber)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(line);
        }
        catch (DecoderFallbackException e)
        {
            return Bad(location, "invalid_utf8", $"not valid UTF-8 at byte {e.Index}", Encoding.UTF8.GetString(line));
        }
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException e)
        {
            return Bad(location, "invalid_json", e.Message, text);
        }
        if (json is null) return Bad(location, "invalid_json", "a line must hold a JSON object", text);
        if (json["text"] is not JsonValue textValue || !textValue.TryGetValue(out string? body))
            return Bad(location, "missing_text", "no string field \"text\"", text);
        return new ReadRecord(location, ToDocument(json, body, $"{fileName}:{lineNumber}"), null);
    }

    /// <summary>id and meta as given; any other field is kept in meta, so nothing of the input is lost.</summary>
    private static Document ToDocument(JsonObject json, string text, string fallbackId)
    {
        string id = json["id"] is JsonValue idValue ? idValue.ToString() : fallbackId;
        var meta = json["meta"] is JsonObject given ? (JsonObject)given.DeepClone() : new JsonObject();
        foreach (var (key, value) in json)
        {
            if (key is "id" or "text" or "meta" || meta.ContainsKey(key)) continue;
            meta[key] = value?.DeepClone();
        }
        return new Document(id, text, meta);
    }

    private static IEnumerable<ReadRecord> ReadParquet(string path, CancellationToken ct)
    {
        var rows = new List<ReadRecord>();
        string? failure = null;
        try
        {
            ReadParquetRows(path, rows, ct);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            failure = e.Message;
        }
        foreach (var row in rows) yield return row;
        if (failure is not null) yield return Bad($"{path}#{rows.Count}", "unreadable_file", failure);
    }

    private static void ReadParquetRows(string path, List<ReadRecord> rows, CancellationToken ct)
    {
        using var stream = File.OpenRead(path);
        var table = ParquetSerializer.DeserializeUntypedAsync(stream, cancellationToken: ct).GetAwaiter().GetResult();
        if (!table.Schema.GetDataFields().Any(f => f.Name == "text"))
            throw new InvalidDataException($"no column \"text\" (columns: {string.Join(", ", table.Schema.GetDataFields().Select(f => f.Name))})");
        string fileName = Path.GetFileName(path);
        long row = 0;
        foreach (var values in table.Data)
        {
            ct.ThrowIfCancellationRequested();
            string location = $"{path}#{row}";
            if (!values.TryGetValue("text", out var textValue) || textValue is not string body)
            {
                rows.Add(Bad(location, "missing_text", "null text"));
                row++;
                continue;
            }
            var json = new JsonObject();
            foreach (var (name, value) in values)
            {
                if (name == "text") continue;
                json[name] = name == "meta" && value is string metaJson ? ParseMeta(metaJson) : ParquetValues.ToJson(value);
            }
            rows.Add(new ReadRecord(location, ToDocument(json, body, $"{fileName}#{row}"), null));
            row++;
        }
    }

    private static JsonNode? ParseMeta(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    private static ReadRecord ReadSingleDocument(string path)
    {
        string name = path.ToLowerInvariant();
        string kind = name.EndsWith(".pdf") ? ContentKinds.Pdf
            : name.EndsWith(".md") || name.EndsWith(".markdown") ? ContentKinds.Markdown
            : name.EndsWith(".txt") ? ContentKinds.Prose
            : ContentKinds.Html;
        try
        {
            string text;
            if (kind == ContentKinds.Pdf)
            {
                using var pdf = File.OpenRead(path);
                text = PdfTextExtractor.Extract(pdf);
                kind = ContentKinds.Prose;   // the PDF's text is extracted here: JSON lines cannot carry its bytes
            }
            else
            {
                using var stream = OpenDecompressed(path);
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                text = kind == ContentKinds.Html ? DecodeHtml(buffer.ToArray()) : StrictUtf8.GetString(buffer.ToArray());
            }
            var meta = new JsonObject { ["source"] = path, [Document.ContentKindKey] = kind };
            return new ReadRecord(path, new Document(path, text, meta), null);
        }
        catch (DecoderFallbackException e)
        {
            return Bad(path, "invalid_utf8", $"not valid UTF-8 at byte {e.Index}");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException or UnauthorizedAccessException)
        {
            return Bad(path, name.EndsWith(".gz") ? "truncated_file" : "unreadable_file", e.Message);
        }
        catch (Exception e) when (kind == ContentKinds.Pdf)
        {
            return Bad(path, "unreadable_file", $"not a readable PDF: {e.Message}");
        }
    }

    /// <summary>Web pages declare their own encodings; UTF-8 is by far the most common, Latin-1 the usual fallback.</summary>
    private static string DecodeHtml(byte[] bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    private static ReadRecord Bad(string location, string reason, string message, string? raw = null) =>
        new(location, null, new BadInput(reason, message, raw is null ? null : raw[..Math.Min(raw.Length, RawPreviewCharacters)]));
}
