namespace Strata.Data.IO;

/// <summary>What the output shards are written as.</summary>
public enum OutputFormat
{
    /// <summary>JSON lines <c>{"id","text","meta"}</c>, optionally gzip- or zstd-compressed.</summary>
    Jsonl,

    /// <summary>Parquet with string columns id, text and meta (JSON); compression applies inside the file.</summary>
    Parquet,
}

/// <summary>
/// An output shard: documents written in order to a temporary file that <see cref="Commit"/> renames into place;
/// disposing without committing deletes it, so a shard either is complete or does not exist.
/// </summary>
public interface IShardWriter : IDisposable
{
    /// <summary>Documents written so far.</summary>
    long Documents { get; }

    void Write(Document document);

    void Commit();

    /// <summary>An output shard at <paramref name="path"/> in <paramref name="format"/>.</summary>
    static IShardWriter Create(string path, OutputFormat format, Compression compression) => format == OutputFormat.Parquet
        ? new ParquetShardWriter(path, compression)
        : new ShardWriter(path, compression);

    /// <summary>The file name extension of a shard, e.g. <c>.jsonl.gz</c> or <c>.parquet</c>.</summary>
    static string Extension(OutputFormat format, Compression compression) =>
        format == OutputFormat.Parquet ? ".parquet" : ShardWriter.Extension(compression);
}
