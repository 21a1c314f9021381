namespace Strata.Evaluation.Ratings;

/// <summary>
/// Bradley–Terry ratings as Chatbot Arena computes them: maximum likelihood over battles (a tie counts as half a win
/// for each side), on the Elo scale, with bootstrap intervals.
/// </summary>
public static class BradleyTerry
{
    /// <summary>Maximum-likelihood ratings of every model in <paramref name="battles"/>, by model name.</summary>
    /// <exception cref="ArgumentException">No battles, a battle of a model against itself, or an anchor model that never played.</exception>
    public static IReadOnlyDictionary<string, double> Fit(IReadOnlyList<Battle> battles, LeaderboardOptions? options = null) =>
        throw new NotImplementedException();

    /// <summary>Ratings, bootstrap intervals, ranks, win rates and battle counts.</summary>
    /// <exception cref="ArgumentException">As <see cref="Fit"/>, or fewer than 100 bootstrap rounds.</exception>
    public static Leaderboard Leaderboard(IReadOnlyList<Battle> battles, LeaderboardOptions? options = null) =>
        throw new NotImplementedException();
}
