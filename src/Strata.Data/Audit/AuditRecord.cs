using Strata.Data.Conversations;

namespace Strata.Data.Audit;

/// <summary>
/// One input record, read permissively: whatever could be understood is in <see cref="Turns"/> and whatever was
/// wrong with its shape is already in <see cref="Findings"/>, so that one bad record never stops the audit.
/// </summary>
internal sealed class AuditRecord
{
    /// <summary>The record as read, its shape problems becoming findings. A turn that calls tools is audited on its
    /// calls, so that it does not count as an empty answer.</summary>
    public AuditRecord(ConversationRecord record)
    {
        Line = record.Line;
        Id = record.Id;
        IsChat = record.IsChat;
        Turns = record.Turns.Select(t => t.ToolCalls is not { } calls ? t : t with { Content = t.Content + calls.GetRawText() }).ToList();
        foreach (var problem in record.Problems)
        {
            if (problem.Kind == RecordProblemKind.InvalidJson) Add(AuditReasons.InvalidJson, $"line {Line}: {problem.Message}");
            else Add(AuditReasons.MissingFields, problem.Message);
        }
    }

    public int Line { get; }
    public string? Id { get; }
    public List<ConversationTurn> Turns { get; }
    public List<(AuditReason Reason, string Detail)> Findings { get; } = [];

    /// <summary>True when the record is a chat (messages/conversations) rather than an instruction pair, so that
    /// role order rules apply.</summary>
    public bool IsChat { get; }

    /// <summary>All user turns, joined: what the example asks, for duplicate detection.</summary>
    public string Prompt => string.Join("\n", Turns.Where(t => t.Role == TurnRole.User).Select(t => t.Content));

    /// <summary>All assistant turns, joined: what the example teaches.</summary>
    public string Answer => string.Join("\n", Turns.Where(t => t.Role == TurnRole.Assistant).Select(t => t.Content));

    /// <summary>Each assistant turn with the user turn right before it.</summary>
    public IEnumerable<(int Index, string Prompt, string Answer)> Exchanges()
    {
        for (int i = 1; i < Turns.Count; i++)
        {
            if (Turns[i].Role == TurnRole.Assistant && Turns[i - 1].Role == TurnRole.User)
                yield return (i, Turns[i - 1].Content, Turns[i].Content);
        }
    }

    public void Add(AuditReason reason, string detail) => Findings.Add((reason, detail));
}
