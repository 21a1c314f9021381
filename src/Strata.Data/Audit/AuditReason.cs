namespace Strata.Data.Audit;

/// <summary>How bad a finding is: errors break training, warnings are likely wrong, notes are worth a look.</summary>
public enum AuditSeverity
{
    Note,
    Warning,
    Error,
}

/// <summary>One kind of problem: a stable code for reports, its severity and the weight it adds to an example's score.</summary>
public sealed record AuditReason(string Code, AuditSeverity Severity, double Weight, string Description);

/// <summary>Every reason the audit reports. Weights rank suspects: structural breakage and contradictions first,
/// because a few of those teach the model wrong behaviour, then likely-bad answers, then redundancy.</summary>
public static class AuditReasons
{
    public static readonly AuditReason InvalidJson = new("invalid_json", AuditSeverity.Error, 10, "line is not valid JSON");
    public static readonly AuditReason MissingFields = new("missing_fields", AuditSeverity.Error, 9, "record lacks the fields of any known format");
    public static readonly AuditReason EmptyConversation = new("empty_conversation", AuditSeverity.Error, 9, "conversation has no turns");
    public static readonly AuditReason EmptyAnswer = new("empty_answer", AuditSeverity.Error, 8, "an answer is empty or whitespace");
    public static readonly AuditReason EmptyPrompt = new("empty_prompt", AuditSeverity.Error, 8, "a prompt is empty or whitespace");
    public static readonly AuditReason ConflictingAnswers = new("conflicting_answers", AuditSeverity.Error, 7, "same or near-same prompt has a substantially different answer elsewhere");
    public static readonly AuditReason WrongRole = new("wrong_role", AuditSeverity.Error, 6, "unknown role, assistant speaking first or system not first");
    public static readonly AuditReason BrokenStructure = new("broken_structure", AuditSeverity.Error, 6, "consecutive turns from one role, or the conversation ends on a user turn");
    public static readonly AuditReason TruncatedAnswer = new("truncated_answer", AuditSeverity.Warning, 4, "answer looks cut off");
    public static readonly AuditReason AnswerRepeatsPrompt = new("answer_repeats_prompt", AuditSeverity.Warning, 4, "answer repeats the prompt");
    public static readonly AuditReason ExactDuplicatePrompt = new("exact_duplicate_prompt", AuditSeverity.Warning, 2, "prompt occurs more than once (after normalisation)");
    public static readonly AuditReason NearDuplicatePrompt = new("near_duplicate_prompt", AuditSeverity.Note, 1.5, "prompt is nearly the same as another");
    public static readonly AuditReason LengthOutlier = new("length_outlier", AuditSeverity.Note, 1, "prompt or answer length is far from the rest");

    /// <summary>All reasons, most severe first.</summary>
    public static IReadOnlyList<AuditReason> All { get; } =
    [
        InvalidJson, MissingFields, EmptyConversation, EmptyAnswer, EmptyPrompt, ConflictingAnswers, WrongRole,
        BrokenStructure, TruncatedAnswer, AnswerRepeatsPrompt, ExactDuplicatePrompt, NearDuplicatePrompt, LengthOutlier,
    ];
}
