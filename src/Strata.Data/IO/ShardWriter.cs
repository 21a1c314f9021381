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

/// <summary>Writes JSON lines, optionally compressed, as a <see cref="TemporaryShardFile"/>.</summary>
public sealed class ShardWriter : TemporaryShardFile, IShardWriter
{
    private readonly Stream stream;
    private readonly Utf8JsonWriter json;

    public ShardWriter(string path, Compression compression = Compression.None) : base(path)
    {
        stream = compression switch
        {
            Compression.Gzip => new GZipStream(File, CompressionLevel.Fastest),
            Compression.Zstd => new CompressionStream(File, 3),
            _ => File,
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

    protected override void CloseWriters(bool complete)
    {
        json.Dispose();
        stream.Dispose();
    }
}
