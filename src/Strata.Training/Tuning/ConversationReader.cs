using Strata.Data.Conversations;

namespace Strata.Training.Tuning;

/// <summary>
/// Reads instruction and dialogue data for training: a file <see cref="ConversationFile"/> reads (JSON Lines or a
/// JSON array of messages, ShareGPT or instruction-pair records), held to the rules training needs. Every
/// conversation must be an optional system message followed by alternating user/assistant turns (tool results after
/// an assistant turn), with at least one assistant turn. An assistant turn's OpenAI <c>tool_calls</c> are trained on
/// as the chat template writes them. Errors are <see cref="InvalidDataException"/>s whose message starts with
/// <c>{path}:{line}: </c>. Reading is lazy: a bad record throws when enumeration reaches it.
/// </summary>
public static class ConversationReader
{
    /// <exception cref="InvalidDataException">A record is not JSON or not a valid conversation.</exception>
    /// <param name="requireAssistant">Training data needs an assistant turn; prompts for a teacher (distillation) do not.</param>
    public static IEnumerable<Conversation> Read(string path, bool requireAssistant = true)
    {
        foreach (var record in ConversationFile.Read(path))
        {
            InvalidDataException Error(string message) => new($"{path}:{record.Line}: {message}");
            if (record.Problems.Count > 0) throw Error(record.Problems[0].Message);
            var messages = record.Turns.Select(turn => new ChatMessage(RoleOf(turn, Error), turn.Content + Calls(turn, Error))).ToList();
            if (ConversationRules.Check(messages, requireAssistant) is { } problem) throw Error(problem);
            yield return new Conversation(messages);
        }
    }

    private static ChatRole RoleOf(ConversationTurn turn, Func<string, InvalidDataException> error) => turn.Role switch
    {
        TurnRole.System => ChatRole.System,
        TurnRole.User => ChatRole.User,
        TurnRole.Assistant => ChatRole.Assistant,
        TurnRole.Tool => ChatRole.Tool,
        _ => throw error($"{turn.Where} has unknown role \"{turn.RoleName}\" (expected system, user/human, assistant/gpt or tool)"),
    };

    /// <summary>An assistant turn's tool calls in the text the chat template writes for them, or null.</summary>
    private static string? Calls(ConversationTurn turn, Func<string, InvalidDataException> error)
    {
        return turn.ToolCalls is { } calls
            ? Strata.Models.Tools.StrataToolFormat.Calls(calls, $"{turn.Where}.tool_calls", message => error(message))
            : null;
    }
}
