namespace Strata.Data.Audit;

/// <summary>Canonical speaker of a turn; <see cref="Unknown"/> keeps a record with a misspelt role auditable.</summary>
internal enum TurnRole
{
    System,
    User,
    Assistant,
    Unknown,
}

/// <summary>One turn as written: the raw role name is kept for messages about it.</summary>
internal sealed record AuditTurn(TurnRole Role, string RoleName, string Content);

/// <summary>
/// One input record, read permissively: whatever could be understood is in <see cref="Turns"/> and whatever was
/// wrong with its shape is already in <see cref="Findings"/>, so that one bad record never stops the audit.
/// </summary>
internal sealed class AuditRecord(int line, string? id)
{
    public int Line { get; } = line;
    public string? Id { get; } = id;
    public List<AuditTurn> Turns { get; } = [];
    public List<(AuditReason Reason, string Detail)> Findings { get; } = [];

    /// <summary>True when the record is a chat (messages/conversations) rather than an instruction pair, so that
    /// role order rules apply.</summary>
    public bool IsChat { get; set; }

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
