using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Evaluation.Judging;

/// <summary>The JSON-lines files judge mode reads (questions, judge prompts, votes): one object per line, blank lines
/// skipped, and any line that does not read is an error naming the source and the line.</summary>
internal static class JsonLines
{
    /// <param name="read">Turns one row (and its 1-based line number) into a value; throws <see cref="InvalidDataException"/>,
    /// <see cref="InvalidOperationException"/> or <see cref="FormatException"/> with the reason.</param>
    /// <exception cref="InvalidDataException">"source:line: reason".</exception>
    public static List<T> Read<T>(IEnumerable<string> lines, string source, Func<JsonObject, int, T> read)
    {
        var rows = new List<T>();
        int number = 0;
        foreach (string line in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                rows.Add(read(JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException("not a JSON object"), number));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or InvalidDataException or FormatException)
            {
                throw new InvalidDataException($"{source}:{number}: {e.Message}", e);
            }
        }
        return rows;
    }
}
