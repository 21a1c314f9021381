using System.Text.Json;

namespace Strata.Data.Conversations;

/// <summary>Who speaks a turn, as written; <see cref="Unknown"/> keeps a record with a misspelt role readable.</summary>
public enum TurnRole
{
    System,
    User,
    Assistant,

    /// <summary>A tool's result, answering the assistant turn before it.</summary>
    Tool,
    Unknown,
}

/// <summary>One turn as written.</summary>
/// <param name="RoleName">The role as the file spells it (<c>gpt</c>, <c>human</c>, …), for messages about the turn.</param>
/// <param name="ToolCalls">An assistant turn's OpenAI <c>tool_calls</c> array, or null.</param>
/// <param name="Where">Where the turn is in its record, e.g. <c>messages[2]</c>, for messages about it.</param>
public sealed record ConversationTurn(TurnRole Role, string RoleName, string Content, JsonElement? ToolCalls, string Where);

/// <summary>What kind of thing is wrong with a record's shape.</summary>
public enum RecordProblemKind
{
    /// <summary>Not JSON at all.</summary>
    InvalidJson,

    /// <summary>JSON, but without the fields of any format the reader knows (or with fields of the wrong type).</summary>
    MissingFields,
}

public sealed record RecordProblem(RecordProblemKind Kind, string Message);

/// <summary>One record of a conversation file, read permissively (see <see cref="ConversationFile"/>).</summary>
public sealed class ConversationRecord(int line, string? id)
{
    /// <summary>The line the record starts on (1-based).</summary>
    public int Line { get; } = line;

    /// <summary>The record's own <c>id</c> field, when it has one.</summary>
    public string? Id { get; } = id;

    /// <summary>Every turn that could be read, in order.</summary>
    public List<ConversationTurn> Turns { get; } = [];

    /// <summary>What is wrong with the record's shape; empty for a well-formed record.</summary>
    public List<RecordProblem> Problems { get; } = [];

    /// <summary>True for a chat (messages or conversations) rather than an instruction pair.</summary>
    public bool IsChat { get; set; }

    internal void Missing(string message) => Problems.Add(new RecordProblem(RecordProblemKind.MissingFields, message));
}
