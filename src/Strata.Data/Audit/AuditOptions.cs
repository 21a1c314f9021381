namespace Strata.Data.Audit;

/// <summary>Thresholds of <see cref="ConversationAuditor"/>.</summary>
public sealed record AuditOptions
{
    /// <summary>Word-shingle Jaccard similarity at or above which two prompts count as near-duplicates.</summary>
    public double NearDuplicateThreshold { get; init; } = 0.7;

    /// <summary>Answers to duplicate prompts whose word-set Jaccard similarity is below this conflict.</summary>
    public double ConflictThreshold { get; init; } = 0.5;

    /// <summary>Absolute robust z-score (median/MAD of log length) beyond which a length is an outlier.
    /// 3.5 is Iglewicz and Hoaglin's usual cut-off for the modified z-score.</summary>
    public double LengthOutlierZ { get; init; } = 3.5;

    /// <summary>Fewer non-empty texts than this and lengths are not judged: a median of a handful says nothing.</summary>
    public int MinimumForLengthStatistics { get; init; } = 8;

    /// <summary>Words per shingle for near-duplicate detection (texts shorter than this use single words).</summary>
    public int ShingleWords { get; init; } = 2;

    /// <summary>Most partners each example is compared with inside one duplicate group, so that a prompt repeated
    /// thousands of times costs linear rather than quadratic time.</summary>
    public int MaxComparisonsPerExample { get; init; } = 64;
}
