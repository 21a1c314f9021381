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

/// <summary>One pairwise comparison between two different models.</summary>
/// <param name="StyleA">Style of side A's answers (all turns), for style control; null when unknown.</param>
/// <param name="StyleB">Style of side B's answers.</param>
public sealed record Battle(string ModelA, string ModelB, BattleOutcome Outcome, AnswerStyle? StyleA = null, AnswerStyle? StyleB = null);
