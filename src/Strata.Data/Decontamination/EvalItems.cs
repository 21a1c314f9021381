using System.Text;
using System.Text.Json;

namespace Strata.Data.Decontamination;

/// <summary>
/// Reads evaluation sets from JSONL. A line with <c>text</c> uses it alone; otherwise every present field among the
/// common benchmark shapes (question/answer, prompt/completion, passage, choices, …) is joined, so answers and choices
/// are protected too. Ids come from <c>id</c>, <c>doc_id</c>, <c>task_id</c>, <c>question_id</c> or <c>idx</c>, else
/// <c>source:line</c>.
/// </summary>
public static class EvalItems
{
    private static readonly string[] IdFields = ["id", "doc_id", "task_id", "question_id", "idx"];

    private static readonly string[] TextFields =
    [
        "messages", "prompt", "instruction", "question", "query", "problem", "context", "passage", "premise", "hypothesis",
        "sentence", "goal", "ctx", "input", "choices", "options", "endings", "answer", "completion", "solution",
        "canonical_solution", "output", "target",
    ];

    /// <summary>Reads a JSONL file; blank lines are skipped.</summary>
    public static IReadOnlyList<EvalItem> ReadJsonl(string path) =>
        Parse(File.ReadLines(path), Path.GetFileNameWithoutExtension(path));

    /// <summary>Parses JSONL lines; <paramref name="source"/> prefixes generated ids.</summary>
    public static IReadOnlyList<EvalItem> Parse(IEnumerable<string> lines, string source)
    {
        var items = new List<EvalItem>();
        int lineNumber = 0;
        foreach (string line in lines)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            string id = $"{source}:{lineNumber}";
            foreach (string field in IdFields)
            {
                if (root.TryGetProperty(field, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                {
                    id = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
                    break;
                }
            }
            var text = new StringBuilder();
            if (root.TryGetProperty("text", out var plain))
            {
                AppendStrings(plain, text);
            }
            else
            {
                foreach (string field in TextFields)
                {
                    if (root.TryGetProperty(field, out var value))
                    {
                        AppendStrings(field == "messages" ? Contents(value) : value, text);
                    }
                }
            }
            items.Add(new EvalItem(id, text.ToString()));
        }
        return items;
    }

    // Chat-format items ({"messages":[{"role","content"}…]}): the turns' contents, not the role names, which training
    // text rendered with a chat template spells differently.
    private static JsonElement Contents(JsonElement messages)
    {
        if (messages.ValueKind != JsonValueKind.Array) return messages;
        var contents = messages.EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("content", out var content) ? content.Clone() : default)
            .Where(c => c.ValueKind != JsonValueKind.Undefined).ToArray();
        return JsonSerializer.SerializeToElement(contents);
    }

    // Choices come as arrays or as {"label":[…],"text":[…]} objects: every string leaf counts.
    private static void AppendStrings(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                text.Append(value.GetString()).Append('\n');
                break;
            case JsonValueKind.Number:
                text.Append(value.GetRawText()).Append('\n');
                break;
            case JsonValueKind.Array:
                foreach (var element in value.EnumerateArray())
                {
                    AppendStrings(element, text);
                }
                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    AppendStrings(property.Value, text);
                }
                break;
            default:
                break;
        }
    }
}
