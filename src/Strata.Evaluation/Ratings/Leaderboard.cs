namespace Strata.Evaluation.Ratings;

/// <summary>One model's row on a leaderboard.</summary>
/// <param name="Rating">Bradley–Terry maximum-likelihood rating on the Elo scale.</param>
/// <param name="Lower">2.5th percentile of the bootstrap ratings.</param>
/// <param name="Upper">97.5th percentile of the bootstrap ratings.</param>
/// <param name="Rank">1 + the number of models whose <see cref="Lower"/> is above this model's <see cref="Upper"/>.</param>
/// <param name="Battles">Battles this model took part in.</param>
public sealed record LeaderboardEntry(string Model, double Rating, double Lower, double Upper, int Rank, int Battles, int Wins, int Ties, int Losses);

/// <summary>Ratings, intervals, ranks, and the pairwise tables behind them.</summary>
/// <param name="Entries">Sorted by rating, best first.</param>
/// <param name="Models">Row and column order of the matrices (the entries' order).</param>
/// <param name="WinRate">WinRate[i][j]: the fraction of non-tied battles between Models[i] and Models[j] that Models[i]
/// won; NaN where they never met or always tied.</param>
/// <param name="BattleCounts">BattleCounts[i][j]: battles between Models[i] and Models[j] (ties included).</param>
public sealed record Leaderboard(
    IReadOnlyList<LeaderboardEntry> Entries,
    IReadOnlyList<string> Models,
    double[][] WinRate,
    int[][] BattleCounts,
    int TotalBattles,
    LeaderboardOptions Options)
{
    /// <summary>
    /// Under style control, the fitted coefficient of each style covariate (<c>length</c>, <c>headers</c>,
    /// <c>list_items</c>, <c>bold_spans</c>) in log-odds per standard deviation of the normalized difference: positive
    /// means voters favour the side with more of it. Empty without style control.
    /// </summary>
    public IReadOnlyDictionary<string, double> StyleCoefficients { get; init; } = new Dictionary<string, double>();
}
