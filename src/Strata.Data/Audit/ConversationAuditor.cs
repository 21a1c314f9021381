using Strata.Data.Conversations;

namespace Strata.Data.Audit;

/// <summary>
/// Audits instruction and chat tuning data for examples likely to teach wrong behaviour: broken records, wrong
/// roles, empty, cut-off or parroting answers, duplicated prompts and (worst) duplicated prompts whose answers
/// disagree. Produces suspects ranked by score; it never changes the data.
/// </summary>
public static class ConversationAuditor
{
    /// <summary>Audits a JSONL file (or a JSON array file) of ShareGPT, messages or instruction-pair records.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static AuditReport Audit(string path, AuditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new AuditOptions();
        var records = ConversationFile.Read(path).Select(r => new AuditRecord(r)).ToList();
        foreach (var record in records.Where(r => r.Findings.Count == 0 || r.Turns.Count > 0)) CheckTurns(record);
        var usable = records.Where(r => r.Turns.Any(t => t.Role == TurnRole.User && !string.IsNullOrWhiteSpace(t.Content))).ToList();
        DuplicateChecks.Run(usable, options);
        CheckLengths(usable, options);
        return BuildReport(path, records);
    }

    private static void CheckTurns(AuditRecord record)
    {
        var turns = record.Turns;
        if (record.IsChat && turns.Count == 0)
        {
            if (record.Findings.Count == 0) record.Add(AuditReasons.EmptyConversation, "no turns");
            return;
        }
        for (int i = 0; i < turns.Count; i++)
        {
            var turn = turns[i];
            if (turn.Role == TurnRole.Unknown) record.Add(AuditReasons.WrongRole, $"turn {i} has unknown role \"{turn.RoleName}\"");
            if (turn.Role == TurnRole.System && i > 0) record.Add(AuditReasons.WrongRole, $"system turn at position {i}, not first");
            // Consecutive tool turns are one assistant turn's several calls answered.
            if (i > 0 && turn.Role == turns[i - 1].Role && turn.Role is not (TurnRole.Unknown or TurnRole.Tool))
                record.Add(AuditReasons.BrokenStructure, $"turns {i - 1} and {i} are both from {turn.RoleName}");
            if (string.IsNullOrWhiteSpace(turn.Content))
            {
                if (turn.Role == TurnRole.Assistant) record.Add(AuditReasons.EmptyAnswer, $"turn {i} ({turn.RoleName}) is empty");
                else if (turn.Role == TurnRole.User) record.Add(AuditReasons.EmptyPrompt, $"turn {i} ({turn.RoleName}) is empty");
            }
        }
        var firstSpeaker = turns.FirstOrDefault(t => t.Role != TurnRole.System);
        if (firstSpeaker?.Role == TurnRole.Assistant) record.Add(AuditReasons.WrongRole, "the assistant speaks first");
        if (turns.Count > 0 && turns[^1].Role == TurnRole.User) record.Add(AuditReasons.BrokenStructure, "ends on a user turn");
        else if (!turns.Any(t => t.Role == TurnRole.Assistant)) record.Add(AuditReasons.BrokenStructure, "no assistant turn");

        foreach (var (index, prompt, answer) in record.Exchanges())
        {
            if (string.IsNullOrWhiteSpace(answer)) continue;
            if (AnswerChecks.Truncation(answer) is string cut) record.Add(AuditReasons.TruncatedAnswer, $"turn {index}: {cut}");
            if (AnswerChecks.RepeatsPrompt(prompt, answer) is string echo) record.Add(AuditReasons.AnswerRepeatsPrompt, $"turn {index}: {echo}");
        }
    }

    private static void CheckLengths(List<AuditRecord> records, AuditOptions options)
    {
        Flag(records, r => r.Prompt.Length, "prompt");
        var answered = records.Where(r => !string.IsNullOrWhiteSpace(r.Answer)).ToList();
        Flag(answered, r => r.Answer.Length, "answer");

        void Flag(List<AuditRecord> items, Func<AuditRecord, int> length, string what)
        {
            var lengths = items.Select(length).ToList();
            var scores = LengthOutliers.Scores(lengths, options.MinimumForLengthStatistics);
            for (int i = 0; i < items.Count; i++)
            {
                if (scores[i] is double z && Math.Abs(z) > options.LengthOutlierZ)
                    items[i].Add(AuditReasons.LengthOutlier, $"{what} of {lengths[i]} chars is unusually {(z > 0 ? "long" : "short")} (robust z {z:0.0})");
            }
        }
    }

    private static AuditReport BuildReport(string path, List<AuditRecord> records)
    {
        var weights = AuditReasons.All.ToDictionary(r => r.Code);
        var suspects = records
            .Where(r => r.Findings.Count > 0)
            .Select(r => new AuditSuspect(
                r.Line,
                r.Id,
                r.Findings.Select(f => f.Reason).Distinct().Sum(f => f.Weight),
                r.Findings.Select(f => new AuditFinding(f.Reason.Code, f.Reason.Severity.ToString().ToLowerInvariant(), f.Detail)).ToList()))
            .OrderByDescending(s => s.Score).ThenBy(s => s.Line)
            .ToList();
        var counts = AuditReasons.All.ToDictionary(
            r => r.Code,
            r => records.Count(x => x.Findings.Any(f => f.Reason == r)));
        return new AuditReport(path, records.Count, counts, suspects);
    }
}
