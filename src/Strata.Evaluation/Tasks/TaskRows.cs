using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet.Serialization;
using Strata.Data.IO;

namespace Strata.Evaluation.Tasks;

/// <summary>Reads a task's rows from local files: JSON lines (optionally .gz/.zst), a JSON array, or Parquet.</summary>
public static class TaskRows
{
    /// <summary>The rows of every file, in order; row indexes run across files.</summary>
    /// <exception cref="TaskFileException">A line is not a JSON object, or a file cannot be read (file and line named).</exception>
    public static IReadOnlyList<TaskRow> Read(IReadOnlyList<string> files)
    {
        var rows = new List<TaskRow>();
        foreach (string file in files)
        {
            string name = file.ToLowerInvariant();
            if (name.EndsWith(".parquet")) ReadParquet(file, rows);
            else if (name.EndsWith(".json")) ReadJsonArray(file, rows);
            else ReadJsonLines(file, rows);
        }
        return rows;
    }

    private static void ReadJsonLines(string file, List<TaskRow> rows)
    {
        using var reader = new StreamReader(DocumentReader.OpenDecompressed(file));
        long line = 0;
        while (reader.ReadLine() is string text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(text);
            }
            catch (JsonException e)
            {
                throw new TaskFileException(file, line, null, $"not valid JSON: {e.Message}");
            }
            rows.Add(new TaskRow(rows.Count, node as JsonObject ?? throw new TaskFileException(file, line, null, "each line is one JSON object (a row)"), $"{file}:{line}"));
        }
    }

    private static void ReadJsonArray(string file, List<TaskRow> rows)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(file));
        }
        catch (JsonException e)
        {
            throw new TaskFileException(file, (e.LineNumber ?? 0) + 1, null, $"not valid JSON: {e.Message}");
        }
        // A bare array of rows, or the {"data": [...]} shape some exports use.
        var items = root as JsonArray ?? (root as JsonObject)?["data"] as JsonArray
            ?? throw new TaskFileException(file, 1, null, "expected a JSON array of row objects (or JSON lines in a .jsonl file)");
        foreach (var item in items)
        {
            rows.Add(new TaskRow(rows.Count, item as JsonObject ?? throw new TaskFileException(file, 1, null, $"item {rows.Count} is not a JSON object"), $"{file}#{rows.Count}"));
        }
    }

    private static void ReadParquet(string file, List<TaskRow> rows)
    {
        try
        {
            using var stream = File.OpenRead(file);
            var table = ParquetSerializer.DeserializeUntypedAsync(stream).GetAwaiter().GetResult();
            foreach (var values in table.Data)
            {
                var row = new JsonObject();
                foreach (var (name, value) in values) row[name] = ParquetValues.ToJson(value);
                rows.Add(new TaskRow(rows.Count, row, $"{file}#{rows.Count}"));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or InvalidOperationException)
        {
            throw new TaskFileException(file, 1, null, $"not a readable Parquet file: {e.Message}");
        }
    }
}
