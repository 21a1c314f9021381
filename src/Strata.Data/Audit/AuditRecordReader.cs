using System.Text;
using System.Text.Json;

namespace Strata.Data.Audit;

/// <summary>
/// Reads JSON Lines, or a JSON array of records (FastChat's ShareGPT files), into <see cref="AuditRecord"/>s.
/// Accepts the shapes Strata's tuning reader accepts (messages, ShareGPT conversations, Alpaca) plus the common
/// <c>prompt</c>/<c>response</c>/<c>completion</c> spellings of instruction pairs. Never throws on content.
/// </summary>
internal static class AuditRecordReader
{
    public static List<AuditRecord> Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"cannot audit {path}: file not found", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot audit {path}: {e.Message}", e);
        }
        int start = 0;
        if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) start = 3;
        int first = start;
        while (first < bytes.Length && bytes[first] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') first++;
        return first < bytes.Length && bytes[first] == (byte)'[' ? ReadArray(bytes, start) : ReadLines(bytes, start);
    }

    private static List<AuditRecord> ReadLines(byte[] bytes, int start)
    {
        var records = new List<AuditRecord>();
        int line = 0;
        using var reader = new StringReader(Encoding.UTF8.GetString(bytes, start, bytes.Length - start));
        for (string? text = reader.ReadLine(); text is not null; text = reader.ReadLine())
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                using var document = JsonDocument.Parse(text);
                records.Add(Parse(document.RootElement, line));
            }
            catch (JsonException e)
            {
                var record = new AuditRecord(line, null);
                record.Add(AuditReasons.InvalidJson, $"line {line}: {e.Message}");
                records.Add(record);
            }
        }
        return records;
    }

    private static List<AuditRecord> ReadArray(byte[] bytes, int start)
    {
        var records = new List<AuditRecord>();
        var span = bytes.AsSpan(start);
        var reader = new Utf8JsonReader(span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        int line = 1;
        long counted = 0;
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                // Count newlines incrementally so that line numbers cost one pass over the file in all.
                for (; counted < reader.TokenStartIndex; counted++) if (span[(int)counted] == (byte)'\n') line++;
                using var document = JsonDocument.ParseValue(ref reader);
                records.Add(Parse(document.RootElement, line));
            }
        }
        catch (JsonException e)
        {
            // A broken array cannot be resynchronised: report where it broke and audit what came before.
            int at = (int)(e.LineNumber ?? 0) + 1;
            var record = new AuditRecord(at, null);
            record.Add(AuditReasons.InvalidJson, $"line {at}: {e.Message} (the rest of the array was not read)");
            records.Add(record);
        }
        return records;
    }

    private static AuditRecord Parse(JsonElement root, int line)
    {
        string? id = null;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var idElement))
            id = idElement.ValueKind is JsonValueKind.String or JsonValueKind.Number ? idElement.ToString() : null;
        var record = new AuditRecord(line, id);
        if (root.ValueKind != JsonValueKind.Object)
        {
            record.Add(AuditReasons.MissingFields, $"expected a JSON object, found {root.ValueKind}");
            return record;
        }
        if (root.TryGetProperty("messages", out var list)) ReadTurns(record, list, "messages", "role", "content");
        else if (root.TryGetProperty("conversations", out list)) ReadTurns(record, list, "conversations", "from", "value");
        else if (HasAny(root, "instruction", "prompt", "output", "response", "completion")) ReadPair(record, root);
        else record.Add(AuditReasons.MissingFields, "no \"messages\", \"conversations\" or instruction/prompt field");
        return record;
    }

    private static void ReadTurns(AuditRecord record, JsonElement list, string listName, string roleKey, string contentKey)
    {
        record.IsChat = true;
        if (list.ValueKind != JsonValueKind.Array)
        {
            record.Add(AuditReasons.MissingFields, $"\"{listName}\" is not an array");
            return;
        }
        int index = 0;
        foreach (var turn in list.EnumerateArray())
        {
            int i = index++;
            if (turn.ValueKind != JsonValueKind.Object)
            {
                record.Add(AuditReasons.MissingFields, $"{listName}[{i}] is not an object");
                continue;
            }
            // Some ShareGPT exports use role/content inside "conversations" (and the reverse happens too).
            string? roleName = String(turn, roleKey) ?? String(turn, roleKey == "role" ? "from" : "role");
            string? content = Content(turn, contentKey) ?? Content(turn, contentKey == "content" ? "value" : "content");
            if (roleName is null) record.Add(AuditReasons.MissingFields, $"{listName}[{i}] has no \"{roleKey}\" string");
            if (content is null) record.Add(AuditReasons.MissingFields, $"{listName}[{i}] has no \"{contentKey}\" string");
            if (roleName is null || content is null) continue;
            record.Turns.Add(new AuditTurn(RoleOf(roleName), roleName, content));
        }
    }

    private static void ReadPair(AuditRecord record, JsonElement root)
    {
        string? instruction = String(root, "instruction") ?? String(root, "prompt");
        string? input = String(root, "input");
        string? output = String(root, "output") ?? String(root, "response") ?? String(root, "completion");
        if (instruction is null) record.Add(AuditReasons.MissingFields, "no \"instruction\" or \"prompt\" string");
        if (output is null) record.Add(AuditReasons.MissingFields, "no \"output\", \"response\" or \"completion\" string");
        if (instruction is null || output is null) return;
        // The same user turn the tuning reader builds: Alpaca puts the input after the instruction as a paragraph.
        string user = string.IsNullOrEmpty(input) ? instruction : instruction + "\n\n" + input;
        record.Turns.Add(new AuditTurn(TurnRole.User, "user", user));
        record.Turns.Add(new AuditTurn(TurnRole.Assistant, "assistant", output));
    }

    private static TurnRole RoleOf(string name) => name switch
    {
        "system" => TurnRole.System,
        "user" or "human" => TurnRole.User,
        "assistant" or "gpt" => TurnRole.Assistant,
        _ => TurnRole.Unknown,
    };

    private static bool HasAny(JsonElement element, params string[] names) => names.Any(n => element.TryGetProperty(n, out _));

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A string, or OpenAI's list of content parts with their text parts joined.</summary>
    private static string? Content(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value)) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        if (value.ValueKind != JsonValueKind.Array) return null;
        var parts = value.EnumerateArray()
            .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(p => p.GetProperty("text").GetString());
        return string.Concat(parts);
    }
}
