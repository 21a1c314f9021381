using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using ZstdSharp;

namespace Strata.Data.IO;

/// <summary>How output shards are compressed.</summary>
public enum Compression
{
    None,
    Gzip,
    Zstd,
}

/// <summary>
/// Writes JSON lines to <c>{path}.tmp</c> and renames it into place on <see cref="Commit"/>: a shard file either is
/// complete or does not exist, so an interrupted run never leaves a half-written shard that looks finished.
/// </summary>
public sealed class ShardWriter : IShardWriter
{
    private readonly string path, temporary;
    private readonly Stream file;
    private readonly Stream stream;
    private readonly Utf8JsonWriter json;
    private bool committed;

    public ShardWriter(string path, Compression compression = Compression.None)
    {
        this.path = path;
        temporary = path + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        file = File.Create(temporary);
        stream = compression switch
        {
            Compression.Gzip => new GZipStream(file, CompressionLevel.Fastest),
            Compression.Zstd => new CompressionStream(file, 3),
            _ => file,
        };
        json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
    }

    public long Documents { get; private set; }

    /// <summary>The file name extension for <paramref name="compression"/>, e.g. <c>.jsonl.gz</c>.</summary>
    public static string Extension(Compression compression) => compression switch
    {
        Compression.Gzip => ".jsonl.gz",
        Compression.Zstd => ".jsonl.zst",
        _ => ".jsonl",
    };

    public void Write(Document document)
    {
        json.WriteStartObject();
        json.WriteString("id", document.Id);
        json.WriteString("text", document.Text);
        json.WritePropertyName("meta");
        document.Meta.WriteTo(json);
        json.WriteEndObject();
        EndLine();
    }

    /// <summary>Writes any JSON object as one line.</summary>
    public void Write(JsonObject value)
    {
        value.WriteTo(json);
        EndLine();
    }

    private void EndLine()
    {
        json.Flush();
        stream.WriteByte((byte)'\n');
        json.Reset();
        Documents++;
    }

    public void Commit()
    {
        json.Dispose();
        stream.Dispose();
        file.Dispose();
        File.Move(temporary, path, overwrite: true);
        committed = true;
    }

    public void Dispose()
    {
        if (committed) return;
        try
        {
            json.Dispose();
            stream.Dispose();
        }
        catch (IOException)
        {
            // the partial file is deleted below anyway
        }
        file.Dispose();
        if (File.Exists(temporary)) File.Delete(temporary);
    }
}
