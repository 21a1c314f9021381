using Parquet;
using Parquet.Schema;

namespace Strata.Data.IO;

/// <summary>
/// Writes documents as a Parquet file with string columns <c>id</c>, <c>text</c> and <c>meta</c> (the metadata as a
/// JSON object, which <see cref="DocumentReader"/> parses back), so pandas, Spark, DuckDB or HF <c>datasets</c> open
/// the output directly. Rows are buffered into row groups; the file is a <see cref="TemporaryShardFile"/>.
/// </summary>
public sealed class ParquetShardWriter : TemporaryShardFile, IShardWriter
{
    /// <summary>Rows per row group: large enough for good compression, small enough to bound what is buffered.</summary>
    public const int RowGroupRows = 10_000;

    /// <summary>Characters of text per row group, for corpora of long documents.</summary>
    public const long RowGroupCharacters = 32L << 20;

    private static readonly DataField IdField = new DataField<string>("id");
    private static readonly DataField TextField = new DataField<string>("text");
    private static readonly DataField MetaField = new DataField<string>("meta");
    private static readonly ParquetSchema Schema = new(IdField, TextField, MetaField);

    private readonly ParquetWriter writer;
    private readonly List<string> ids = [], texts = [], metas = [];
    private long bufferedCharacters;

    public ParquetShardWriter(string path, Compression compression = Compression.None) : base(path)
    {
        var options = new ParquetOptions
        {
            CompressionMethod = compression switch
            {
                Compression.Gzip => CompressionMethod.Gzip,
                Compression.Zstd => CompressionMethod.Zstd,
                _ => CompressionMethod.None,
            },
        };
        writer = ParquetWriter.CreateAsync(Schema, File, options).GetAwaiter().GetResult();
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

    protected override void CloseWriters(bool complete)
    {
        if (complete) Flush();
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();   // writes the footer
    }
}
