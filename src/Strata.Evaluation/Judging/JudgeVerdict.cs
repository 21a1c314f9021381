namespace Strata.Evaluation.Judging;

/// <summary>What one judgement said about the pair as it was shown (A first, B second).</summary>
public enum JudgeVerdict
{
    A,
    B,
    Tie,

    /// <summary>No verdict in the output: FastChat counts it as a tie, and so does Strata, but it is reported.</summary>
    Unparsed,
}

/// <summary>Reads a judge's verdict as FastChat does: the first of <c>[[A]]</c>, <c>[[B]]</c>, <c>[[C]]</c> it contains, in that order.</summary>
public static class JudgeVerdicts
{
    public static JudgeVerdict Parse(string judgement) =>
        judgement.Contains("[[A]]", StringComparison.Ordinal) ? JudgeVerdict.A
        : judgement.Contains("[[B]]", StringComparison.Ordinal) ? JudgeVerdict.B
        : judgement.Contains("[[C]]", StringComparison.Ordinal) ? JudgeVerdict.Tie
        : JudgeVerdict.Unparsed;
}
