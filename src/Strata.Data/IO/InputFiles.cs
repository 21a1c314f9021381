namespace Strata.Data.IO;

/// <summary>The kinds of input file the pipeline reads.</summary>
public enum InputFormat
{
    /// <summary>One <c>{"id","text","meta"}</c> object per line; <c>.jsonl</c>, <c>.jsonl.gz</c>, <c>.jsonl.zst</c>.</summary>
    JsonLines,

    /// <summary>A Parquet table with a <c>text</c> column (and optionally <c>id</c>; other columns become meta).</summary>
    Parquet,

    /// <summary>A single document per file: HTML, Markdown, plain text or PDF.</summary>
    SingleDocument,
}

/// <summary>One shard of input: the unit of work, of parallel scheduling and of resumption.</summary>
/// <param name="Index">Position in the corpus; output shard <c>shard-{Index:D5}</c> and document keys derive from it.</param>
/// <param name="Files">One JSONL or Parquet file, or a batch of single-document files.</param>
public sealed record InputShard(int Index, IReadOnlyList<string> Files);

/// <summary>Finds input files under the given paths and groups them into shards.</summary>
public static class InputFiles
{
    private static readonly string[] SingleDocumentExtensions = [".html", ".htm", ".xhtml", ".md", ".markdown", ".txt", ".pdf"];

    /// <summary>The format of <paramref name="path"/> by its name, or null when the pipeline does not read it.</summary>
    public static InputFormat? FormatOf(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".jsonl") || name.EndsWith(".jsonl.gz") || name.EndsWith(".jsonl.zst") || name.EndsWith(".jsonl.zstd")) return InputFormat.JsonLines;
        if (name.EndsWith(".parquet")) return InputFormat.Parquet;
        if (SingleDocumentExtensions.Any(name.EndsWith) || name.EndsWith(".html.gz") || name.EndsWith(".htm.gz")) return InputFormat.SingleDocument;
        return null;
    }

    /// <summary>
    /// Expands files and folders (recursively, in ordinal name order so shard numbering is stable between runs) and
    /// groups them: each JSONL or Parquet file is a shard; single-document files are batched
    /// <paramref name="documentsPerShard"/> to a shard.
    /// </summary>
    /// <exception cref="FileNotFoundException">A path names neither a file nor a folder.</exception>
    /// <exception cref="ArgumentException">A file given by name has an unsupported type, or nothing readable was found.</exception>
    public static IReadOnlyList<InputShard> Shard(IEnumerable<string> paths, int documentsPerShard = 1000)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => FormatOf(f) is not null).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                if (FormatOf(path) is null)
                    throw new ArgumentException($"{path}: unsupported input type (expected .jsonl[.gz|.zst], .parquet, .html, .md, .txt or .pdf)");
                files.Add(path);
            }
            else throw new FileNotFoundException($"input not found: {path}", path);
        }
        if (files.Count == 0) throw new ArgumentException("no readable input files found");

        var shards = new List<InputShard>();
        var batch = new List<string>();
        foreach (string file in files)
        {
            if (FormatOf(file) == InputFormat.SingleDocument)
            {
                batch.Add(file);
                if (batch.Count == documentsPerShard) Flush();
                continue;
            }
            Flush();
            shards.Add(new InputShard(shards.Count, [file]));
        }
        Flush();
        return shards;

        void Flush()
        {
            if (batch.Count == 0) return;
            shards.Add(new InputShard(shards.Count, batch.ToArray()));
            batch.Clear();
        }
    }
}
