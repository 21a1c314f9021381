using System.Text;
using System.Text.Json;

namespace Strata.Data.Conversations;

/// <summary>
/// Reads instruction and chat data files: the one place that knows what such a file may hold. A file is JSON Lines
/// (one record per line, blank lines skipped) or, when its first character is <c>[</c>, one JSON array of records
/// (FastChat's ShareGPT files). A record is one of
/// <list type="bullet">
/// <item>messages: <c>{"messages":[{"role":"system|user|assistant|tool","content":"…"}, …]}</c> (OpenAI, TRL), content
/// a string or OpenAI's list of text parts, an assistant turn may carry OpenAI <c>tool_calls</c>;</item>
/// <item>ShareGPT: <c>{"conversations":[{"from":"human|gpt|system","value":"…"}, …]}</c> (FastChat; role/content
/// spellings accepted inside it, as some exports write them);</item>
/// <item>an instruction pair: Alpaca's <c>{"instruction","input","output"}</c> or TRL's
/// <c>{"prompt","completion"}</c> (also <c>response</c>): the user turn is the instruction, then a blank line and the
/// input when there is one.</item>
/// </list>
/// Reading is permissive: a record keeps every turn that could be understood, and what was wrong with its shape is
/// in <see cref="ConversationRecord.Problems"/>, so the auditor can report every bad record and tuning can stop at the
/// first one, naming its line. JSON Lines are read lazily.
/// </summary>
public static class ConversationFile
{
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IEnumerable<ConversationRecord> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        bool array;
        try
        {
            array = StartsWithBracket(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"{path}: file not found", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: {e.Message}", e);
        }
        return array ? ReadArray(path) : ReadLines(path);
    }

    private static bool StartsWithBracket(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int c;
        while ((c = reader.Read()) is ' ' or '\t' or '\r' or '\n') { }
        return c == '[';
    }

    private static IEnumerable<ConversationRecord> ReadLines(string path)
    {
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonDocument? document = null;
            string? malformed = null;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                malformed = $"malformed JSON ({e.Message})";
            }
            if (document is null) yield return Broken(line, malformed!);
            else using (document) yield return Parse(document.RootElement, line);
        }
    }

    private static IEnumerable<ConversationRecord> ReadArray(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var records = new List<ConversationRecord>();
        var span = bytes.AsSpan(start);
        var reader = new Utf8JsonReader(span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        int line = 1;
        long counted = 0;
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                // Newlines are counted as the reader advances: one pass over the file for every record's line.
                for (; counted < reader.TokenStartIndex; counted++) if (span[(int)counted] == (byte)'\n') line++;
                using var document = JsonDocument.ParseValue(ref reader);
                records.Add(Parse(document.RootElement, line));
            }
        }
        catch (JsonException e)
        {
            // A broken array cannot be resynchronised: say where it broke; the records before it stand.
            records.Add(Broken((int)(e.LineNumber ?? 0) + 1, $"malformed JSON ({e.Message}); the rest of the array was not read"));
        }
        return records;
    }

    private static ConversationRecord Broken(int line, string message)
    {
        var record = new ConversationRecord(line, null);
        record.Problems.Add(new RecordProblem(RecordProblemKind.InvalidJson, message));
        return record;
    }

    private static ConversationRecord Parse(JsonElement root, int line)
    {
        string? id = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var idElement)
            && idElement.ValueKind is JsonValueKind.String or JsonValueKind.Number ? idElement.ToString() : null;
        var record = new ConversationRecord(line, id);
        if (root.ValueKind != JsonValueKind.Object)
            record.Missing($"expected a JSON object, found {root.ValueKind}");
        else if (root.TryGetProperty("messages", out var list)) ReadTurns(record, list, "messages", "role", "content");
        else if (root.TryGetProperty("conversations", out list)) ReadTurns(record, list, "conversations", "from", "value");
        else if (HasAny(root, "instruction", "prompt", "output", "response", "completion")) ReadPair(record, root);
        else record.Missing("unrecognised record: expected a \"messages\" array, a \"conversations\" array, or an instruction pair (\"instruction\"/\"output\" or \"prompt\"/\"completion\")");
        return record;
    }

    private static void ReadTurns(ConversationRecord record, JsonElement list, string listName, string roleKey, string contentKey)
    {
        record.IsChat = true;
        if (list.ValueKind != JsonValueKind.Array)
        {
            record.Missing($"\"{listName}\" must be an array");
            return;
        }
        string otherRoleKey = roleKey == "role" ? "from" : "role", otherContentKey = contentKey == "content" ? "value" : "content";
        int index = 0;
        foreach (var turn in list.EnumerateArray())
        {
            int i = index++;
            if (turn.ValueKind != JsonValueKind.Object)
            {
                record.Missing($"{listName}[{i}] is not an object");
                continue;
            }
            string? roleName = String(turn, roleKey) ?? String(turn, otherRoleKey);
            if (roleName is null)
            {
                record.Missing($"{listName}[{i}] has no \"{roleKey}\" string");
                continue;
            }
            var role = RoleOf(roleName);
            // Cloned: the element outlives the document it was read from.
            JsonElement? toolCalls = role == TurnRole.Assistant && turn.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array
                ? calls.Clone() : null;
            // A turn that only calls tools has no content (OpenAI writes null).
            string? content = Content(turn, contentKey) ?? Content(turn, otherContentKey) ?? (toolCalls is null ? null : "");
            if (content is null)
            {
                record.Missing($"{listName}[{i}] ({roleName}) is missing its \"{contentKey}\" string");
                continue;
            }
            record.Turns.Add(new ConversationTurn(role, roleName, content, toolCalls, $"{listName}[{i}]"));
        }
    }

    private static void ReadPair(ConversationRecord record, JsonElement root)
    {
        string? instruction = String(root, "instruction") ?? String(root, "prompt");
        string? output = String(root, "output") ?? String(root, "completion") ?? String(root, "response");
        if (instruction is null) record.Missing("an instruction pair is missing its \"instruction\" (or \"prompt\") string");
        if (output is null) record.Missing("an instruction pair is missing its \"output\" (or \"completion\") string");
        string? input = null;
        if (root.TryGetProperty("input", out var inputElement) && inputElement.ValueKind != JsonValueKind.Null)
        {
            input = inputElement.ValueKind == JsonValueKind.String ? inputElement.GetString() : null;
            if (input is null) record.Missing("\"input\" must be a string");
        }
        if (instruction is null || output is null) return;
        // Alpaca's own prompt puts the input after the instruction as a separate paragraph.
        string user = string.IsNullOrEmpty(input) ? instruction : instruction + "\n\n" + input;
        record.Turns.Add(new ConversationTurn(TurnRole.User, "user", user, null, "instruction"));
        record.Turns.Add(new ConversationTurn(TurnRole.Assistant, "assistant", output, null, "output"));
    }

    private static TurnRole RoleOf(string name) => name switch
    {
        "system" => TurnRole.System,
        "user" or "human" => TurnRole.User,
        "assistant" or "gpt" => TurnRole.Assistant,
        "tool" => TurnRole.Tool,
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
        return string.Concat(value.EnumerateArray()
            .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(p => p.GetProperty("text").GetString()));
    }
}
