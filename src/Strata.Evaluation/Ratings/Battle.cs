namespace Strata.Evaluation.Ratings;

/// <summary>How a human (or a judge) voted on one battle.</summary>
public enum BattleOutcome
{
    /// <summary>The model on side A was better.</summary>
    A,

    /// <summary>The model on side B was better.</summary>
    B,

    /// <summary>Both equally good.</summary>
    Tie,

    /// <summary>Both bad: counted as a tie in the ratings, as Chatbot Arena counts it.</summary>
    BothBad,
}

/// <summary>
/// Style covariates of one answer, as LMSYS's style control counts them: answer length in tokens (or words, when no
/// tokenizer is at hand) and Markdown headers, list items and bold spans.
/// </summary>
public readonly record struct AnswerStyle(int Length, int Headers, int ListItems, int BoldSpans)
{
    /// <summary>The style of <paramref name="text"/>; <paramref name="tokens"/> is its length in tokens when known (else words are counted).</summary>
    public static AnswerStyle Of(string text, int? tokens = null) => throw new NotImplementedException();
}

/// <summary>One pairwise comparison between two different models.</summary>
/// <param name="StyleA">Style of side A's answers (all turns), for style control; null when unknown.</param>
/// <param name="StyleB">Style of side B's answers.</param>
public sealed record Battle(string ModelA, string ModelB, BattleOutcome Outcome, AnswerStyle? StyleA = null, AnswerStyle? StyleB = null);
