using System.Text;
using System.Text.Json;

namespace Strata.Training.Tuning;

/// <summary>
/// Reads instruction and dialogue data. Each record is one of:
/// <list type="bullet">
/// <item>messages: <c>{"messages":[{"role":"system|user|assistant","content":"..."}, ...]}</c> (OpenAI / TRL);</item>
/// <item>Alpaca: <c>{"instruction":"...","input":"...","output":"..."}</c> (input optional; the user turn is the
/// instruction, followed by a blank line and the input when the input is not empty);</item>
/// <item>ShareGPT: <c>{"conversations":[{"from":"human|gpt|system","value":"..."}, ...]}</c> (FastChat; "user" and
/// "assistant" are accepted as synonyms).</item>
/// </list>
/// Every conversation must be an optional system message followed by alternating user/assistant turns with at least
/// one assistant turn. Errors are <see cref="InvalidDataException"/>s whose message starts with <c>{path}:{line}: </c>.
/// Reading is lazy: a bad record throws when enumeration reaches it.
/// </summary>
public static class ConversationReader
{
    /// <summary>Reads JSON Lines: one record per line; blank lines are skipped.</summary>
    /// <exception cref="InvalidDataException">A line is not JSON or not a valid conversation.</exception>
    /// <param name="requireAssistant">Training data needs an assistant turn; prompts for a teacher (distillation) do not.</param>
    public static IEnumerable<Conversation> ReadJsonl(string path, bool requireAssistant = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{line}: malformed JSON ({e.Message})", e);
            }
            using (document) yield return Parse(document.RootElement, path, line, requireAssistant);
        }
    }

    /// <summary>Reads a JSON file whose top level is an array of records (the layout of FastChat's ShareGPT files).
    /// Line numbers in errors are those where each record starts.</summary>
    /// <exception cref="InvalidDataException">The file is not JSON, not an array, or holds an invalid record.</exception>
    public static IEnumerable<Conversation> ReadJson(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = File.ReadAllBytes(path);
        // Parse everything first (whole-file JSON cannot be streamed record by record with System.Text.Json's
        // DOM), keeping the byte offset of each record so errors can name its line.
        var records = new List<(JsonDocument Record, int Line)>();
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                throw new InvalidDataException($"{path}:1: expected a JSON array of conversations at the top level");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                int line = LineOf(bytes, reader.TokenStartIndex);
                records.Add((JsonDocument.ParseValue(ref reader), line));
            }
        }
        catch (JsonException e)
        {
            foreach (var (record, _) in records) record.Dispose();
            throw new InvalidDataException($"{path}:{(e.LineNumber ?? 0) + 1}: malformed JSON ({e.Message})", e);
        }
        return ParseAll(records, path);
    }

    private static IEnumerable<Conversation> ParseAll(List<(JsonDocument Record, int Line)> records, string path)
    {
        try
        {
            foreach (var (record, line) in records) yield return Parse(record.RootElement, path, line);
        }
        finally
        {
            foreach (var (record, _) in records) record.Dispose();
        }
    }

    private static int LineOf(byte[] bytes, long offset)
    {
        int line = 1;
        for (long i = 0; i < offset; i++) if (bytes[i] == (byte)'\n') line++;
        return line;
    }

    private static Conversation Parse(JsonElement record, string path, int line, bool requireAssistant = true)
    {
        InvalidDataException Error(string message) => new($"{path}:{line}: {message}");
        if (record.ValueKind != JsonValueKind.Object) throw Error($"expected a JSON object, found {record.ValueKind}");

        List<ChatMessage> messages;
        if (record.TryGetProperty("messages", out var list)) messages = ReadTurns(list, "messages", "role", "content", Error);
        else if (record.TryGetProperty("conversations", out list)) messages = ReadTurns(list, "conversations", "from", "value", Error);
        else if (record.TryGetProperty("instruction", out _)) messages = ReadAlpaca(record, Error);
        else throw Error("unrecognised record: expected a \"messages\" array, a \"conversations\" array or an Alpaca \"instruction\"");

        string? problem = ConversationRules.Check(messages, requireAssistant);
        if (problem is not null) throw Error(problem);
        return new Conversation(messages);
    }

    private static List<ChatMessage> ReadTurns(JsonElement list, string listName, string roleKey, string contentKey,
        Func<string, InvalidDataException> error)
    {
        if (list.ValueKind != JsonValueKind.Array) throw error($"\"{listName}\" must be an array");
        var messages = new List<ChatMessage>();
        int index = 0;
        foreach (var turn in list.EnumerateArray())
        {
            if (turn.ValueKind != JsonValueKind.Object) throw error($"{listName}[{index}] is not an object");
            string? roleText = String(turn, roleKey)
                ?? throw error($"{listName}[{index}] has no \"{roleKey}\" string");
            var role = roleText switch
            {
                "system" => ChatRole.System,
                "user" or "human" => ChatRole.User,
                "assistant" or "gpt" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                _ => throw error($"{listName}[{index}] has unknown role \"{roleText}\" " +
                    "(expected system, user/human, assistant/gpt or tool)"),
            };
            // An assistant turn with OpenAI-style tool_calls is trained on the calls as the chat template writes them.
            string? calls = role == ChatRole.Assistant && turn.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array
                ? Strata.Models.Tools.StrataToolFormat.Calls(toolCalls, $"{listName}[{index}].tool_calls", message => error(message))
                : null;
            string content = (String(turn, contentKey) ?? (calls is null ? null : ""))
                ?? throw error($"{listName}[{index}] ({roleText}) is missing its \"{contentKey}\" string");
            content += calls;
            messages.Add(new ChatMessage(role, content));
            index++;
        }
        return messages;
    }

    private static List<ChatMessage> ReadAlpaca(JsonElement record, Func<string, InvalidDataException> error)
    {
        string instruction = String(record, "instruction") ?? throw error("\"instruction\" must be a string");
        string output = String(record, "output") ?? throw error("Alpaca record is missing its \"output\" string");
        string? input = null;
        if (record.TryGetProperty("input", out var inputElement) && inputElement.ValueKind != JsonValueKind.Null)
            input = inputElement.ValueKind == JsonValueKind.String ? inputElement.GetString() : throw error("\"input\" must be a string");
        // Alpaca's own prompt puts the input after the instruction as a separate paragraph.
        string user = string.IsNullOrEmpty(input) ? instruction : new StringBuilder(instruction).Append("\n\n").Append(input).ToString();
        return [new ChatMessage(ChatRole.User, user), new ChatMessage(ChatRole.Assistant, output)];
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
