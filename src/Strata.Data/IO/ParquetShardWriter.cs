using Parquet;
using Parquet.Schema;

namespace Strata.Data.IO;

/// <summary>
/// Writes documents as a Parquet file with string columns <c>id</c>, <c>text</c> and <c>meta</c> (the metadata as a
/// JSON object, which <see cref="DocumentReader"/> parses back), so pandas, Spark, DuckDB or HF <c>datasets</c> open
/// the output directly. Rows are buffered into row groups; like <see cref="ShardWriter"/>, the file is written under a
/// temporary name and renamed into place on <see cref="Commit"/>.
/// </summary>
public sealed class ParquetShardWriter : IShardWriter
{
    /// <summary>Rows per row group: large enough for good compression, small enough to bound what is buffered.</summary>
    public const int RowGroupRows = 10_000;

    /// <summary>Characters of text per row group, for corpora of long documents.</summary>
    public const long RowGroupCharacters = 32L << 20;

    private static readonly DataField IdField = new DataField<string>("id");
    private static readonly DataField TextField = new DataField<string>("text");
    private static readonly DataField MetaField = new DataField<string>("meta");
    private static readonly ParquetSchema Schema = new(IdField, TextField, MetaField);

    private readonly string path, temporary;
    private readonly FileStream file;
    private readonly ParquetWriter writer;
    private readonly List<string> ids = [], texts = [], metas = [];
    private long bufferedCharacters;
    private bool committed;

    public ParquetShardWriter(string path, Compression compression = Compression.None)
    {
        this.path = path;
        temporary = path + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        file = File.Create(temporary);
        var options = new ParquetOptions
        {
            CompressionMethod = compression switch
            {
                Compression.Gzip => CompressionMethod.Gzip,
                Compression.Zstd => CompressionMethod.Zstd,
                _ => CompressionMethod.None,
            },
        };
        writer = ParquetWriter.CreateAsync(Schema, file, options).GetAwaiter().GetResult();
    }

    /// <inheritdoc/>
    public long Documents { get; private set; }

    /// <inheritdoc/>
    public void Write(Document document)
    {
        ids.Add(document.Id);
        texts.Add(document.Text);
        metas.Add(document.Meta.ToJsonString());
        bufferedCharacters += document.Text.Length;
        Documents++;
        if (ids.Count >= RowGroupRows || bufferedCharacters >= RowGroupCharacters) Flush();
    }

    private void Flush()
    {
        if (ids.Count == 0) return;
        using (var group = writer.CreateRowGroup())
        {
            group.WriteAsync(IdField, ids).GetAwaiter().GetResult();
            group.WriteAsync(TextField, texts).GetAwaiter().GetResult();
            group.WriteAsync(MetaField, metas).GetAwaiter().GetResult();
        }
        ids.Clear();
        texts.Clear();
        metas.Clear();
        bufferedCharacters = 0;
    }

    /// <inheritdoc/>
    public void Commit()
    {
        Flush();
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();   // writes the footer
        file.Dispose();
        File.Move(temporary, path, overwrite: true);
        committed = true;
    }

    public void Dispose()
    {
        if (committed) return;
        try
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (IOException)
        {
            // the partial file is deleted below anyway
        }
        file.Dispose();
        if (File.Exists(temporary)) File.Delete(temporary);
    }
}
