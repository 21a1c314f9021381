using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Data.IO;

namespace Strata.Evaluation.Running;

/// <summary>
/// The texts of training corpora, for the contamination check: Strata's document shards (JSONL or Parquet with a
/// <c>text</c> field, as <c>strata data clean</c> writes them) and conversation files (<c>messages</c> or ShareGPT
/// <c>conversations</c>, whose turns are joined), optionally .gz/.zst. Folders are searched recursively.
/// </summary>
public static class TrainingTexts
{
    /// <exception cref="FileNotFoundException">A path is neither a file nor a folder.</exception>
    public static IReadOnlyList<string> Files(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(IsCorpus).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path)) files.Add(path);
            else throw new FileNotFoundException($"--train-data {path}: no such file or folder", path);
        }
        return files;
    }

    /// <summary>Every text of <paramref name="file"/>; lines that are not JSON objects with text are skipped.</summary>
    public static IEnumerable<string> Read(string file, CancellationToken cancellationToken = default)
    {
        if (file.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var record in DocumentReader.Read(file, cancellationToken))
            {
                if (record.Document is { } document) yield return document.Text;
            }
            yield break;
        }
        using var reader = new StreamReader(DocumentReader.OpenDecompressed(file));
        while (reader.ReadLine() is string line)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TextOf(line) is string text) yield return text;
        }
    }

    private static bool IsCorpus(string file)
    {
        string name = Path.GetFileName(file).ToLowerInvariant();
        return name.EndsWith(".parquet") || name.Contains(".jsonl");
    }

    private static string? TextOf(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return null;
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
        }
        catch (JsonException)
        {
            return null;
        }
        if (node is not JsonObject row) return null;
        if (row["text"] is JsonValue text && text.TryGetValue(out string? body)) return body;
        var turns = row["messages"] as JsonArray ?? row["conversations"] as JsonArray;
        if (turns is null) return null;
        var joined = new StringBuilder();
        foreach (var turn in turns)
        {
            var content = turn?["content"] ?? turn?["value"];
            if (content is JsonValue v && v.TryGetValue(out string? s)) joined.Append(s).Append('\n');
        }
        return joined.ToString();
    }
}
