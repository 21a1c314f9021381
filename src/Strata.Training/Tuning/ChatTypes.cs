namespace Strata.Training.Tuning;

/// <summary>Who speaks a chat message. Rendered in lower case (<c>system</c>, <c>user</c>, <c>assistant</c>, <c>tool</c>).</summary>
public enum ChatRole
{
    System,
    User,
    Assistant,

    /// <summary>A tool's result, answering the assistant turn before it (which wrote the call); never trained on.</summary>
    Tool,
}

/// <summary>One turn of a conversation.</summary>
public sealed record ChatMessage(ChatRole Role, string Content);

/// <summary>A dialogue: an optional leading system message, then user and assistant turns alternating.</summary>
public sealed record Conversation(IReadOnlyList<ChatMessage> Messages);

/// <summary>
/// A rendered conversation. <see cref="InputIds"/> and <see cref="LossMask"/> have the same length; LossMask[i] is
/// true where token i is one the model must learn to produce (assistant content and the &lt;|im_end|&gt; closing it).
/// </summary>
public sealed record TokenizedExample(int[] InputIds, bool[] LossMask);

/// <summary>The shape rules every conversation obeys, shared by the reader (which adds file and line) and the renderer.</summary>
internal static class ConversationRules
{
    /// <summary>Returns why <paramref name="messages"/> is not a valid conversation, or null when it is.</summary>
    /// <param name="requireAssistant">Training data needs at least one assistant turn; a generation prompt does not.</param>
    public static string? Check(IReadOnlyList<ChatMessage> messages, bool requireAssistant)
    {
        if (messages.Count == 0) return "the conversation has no messages";
        int start = messages[0].Role == ChatRole.System ? 1 : 0;
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i] is null) return $"message {i} is null";
            if (messages[i].Content is null) return $"message {i} ({Name(messages[i].Role)}) has no content";
            if (i < start) continue;
            // After the optional system message, turns alternate user, assistant, user, ... so every assistant
            // answer has exactly one user prompt before it (FastChat and TRL make the same assumption). Tool results
            // may follow an assistant turn (its calls); the assistant then answers them.
            var previous = i == start ? (ChatRole?)null : messages[i - 1].Role;
            var role = messages[i].Role;
            bool allowed = previous switch
            {
                null => role == ChatRole.User,
                ChatRole.User => role == ChatRole.Assistant,
                ChatRole.Assistant => role is ChatRole.User or ChatRole.Tool,
                _ => role is ChatRole.Tool or ChatRole.Assistant,
            };
            if (!allowed)
            {
                string expected = previous switch
                {
                    null => "user",
                    ChatRole.User => "assistant",
                    ChatRole.Assistant => "user or tool",
                    _ => "tool or assistant",
                };
                return $"message {i} is from {Name(role)} but {expected} was expected " +
                    "(turns must alternate user/assistant after an optional leading system message; tool results follow an assistant turn)";
            }
        }
        if (requireAssistant && !messages.Any(m => m.Role == ChatRole.Assistant))
            return "the conversation has no assistant turn, so there is nothing to learn from it";
        return null;
    }

    /// <summary>The ChatML / Hugging Face name of a role.</summary>
    public static string Name(ChatRole role) => role switch
    {
        ChatRole.System => "system",
        ChatRole.User => "user",
        ChatRole.Assistant => "assistant",
        ChatRole.Tool => "tool",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown chat role"),
    };
}
