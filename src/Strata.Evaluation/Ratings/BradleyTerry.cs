namespace Strata.Evaluation.Ratings;

/// <summary>
/// Bradley–Terry ratings as Chatbot Arena computes them: maximum likelihood over battles (a tie counts as half a win
/// for each side), on the Elo scale, with bootstrap intervals.
/// </summary>
/// <remarks>
/// The model: P(A beats B) = σ(θ_A − θ_B + β·z), with z the battle's standardized style covariates under style control
/// (and no β term otherwise). The fit minimizes exactly
/// <code>
/// f(θ, β) = −Σ_battles [ s·ln σ(η) + (1 − s)·ln σ(−η) ] + λ/2 · (Σ_m θ_m² + Σ_k β_k²),   η = θ_A − θ_B + β·z
/// </code>
/// where s is side A's score (1 win, 0 loss, ½ tie or both bad) and λ = <see cref="LeaderboardOptions.Regularization"/>.
/// The likelihood only sees differences of θ; the L2 term picks the solution with Σθ = 0 and keeps a model that won or
/// lost every battle finite. Rating_m = Base + Scale·θ_m, so the mean rating is Base; with an
/// <see cref="LeaderboardOptions.AnchorModel"/>, Rating_m = Base + Scale·(θ_m − θ_anchor) instead (the same fit,
/// shifted). Under style control the ratings come from θ alone: the style effect β·z is held out of them.
/// </remarks>
public static class BradleyTerry
{
    /// <summary>Maximum-likelihood ratings of every model in <paramref name="battles"/>, by model name.</summary>
    /// <exception cref="ArgumentException">No battles, a battle of a model against itself, a blank model name, an anchor
    /// model that never played, invalid options, or (under style control) a battle without both styles.</exception>
    public static IReadOnlyDictionary<string, double> Fit(IReadOnlyList<Battle> battles, LeaderboardOptions? options = null)
    {
        options ??= new LeaderboardOptions();
        options.Validate(bootstrap: false);
        var set = BattleSet.Create(battles, options);
        double[] ratings = ToRatings(Solve(set, options), set, options, present: null);
        return Named(set.Models, ratings);
    }

    /// <summary>Ratings, bootstrap intervals, ranks, win rates and battle counts.</summary>
    /// <exception cref="ArgumentException">As <see cref="Fit"/>, or fewer than 100 bootstrap rounds.</exception>
    public static Leaderboard Leaderboard(IReadOnlyList<Battle> battles, LeaderboardOptions? options = null)
    {
        options ??= new LeaderboardOptions();
        options.Validate(bootstrap: true);
        var set = BattleSet.Create(battles, options);
        double[] fit = Solve(set, options);
        double[] ratings = ToRatings(fit, set, options, present: null);
        double[][] rounds = BootstrapIntervals.Rounds(set, options, fit);
        var tally = BattleTally.Of(set);
        int models = set.Models.Length;
        var lower = new double[models];
        var upper = new double[models];
        for (int m = 0; m < models; m++)
        {
            lower[m] = Metrics.Quantiles.Of(rounds.Select(round => round[m]), 0.025);
            upper[m] = Metrics.Quantiles.Of(rounds.Select(round => round[m]), 0.975);
        }
        int[] order = [.. Enumerable.Range(0, models).OrderByDescending(m => ratings[m]).ThenBy(m => set.Models[m], StringComparer.Ordinal)];
        var entries = order.Select(m => new LeaderboardEntry(
            set.Models[m], ratings[m], lower[m], upper[m],
            Rank: 1 + Enumerable.Range(0, models).Count(other => lower[other] > upper[m]),
            Battles: tally.Wins[m] + tally.Ties[m] + tally.Losses[m], tally.Wins[m], tally.Ties[m], tally.Losses[m])).ToList();
        return new Leaderboard(
            entries,
            [.. order.Select(m => set.Models[m])],
            [.. order.Select(i => order.Select(j => tally.WinRate(i, j)).ToArray())],
            [.. order.Select(i => order.Select(j => tally.Met[i, j]).ToArray())],
            set.Count,
            options)
        {
            StyleCoefficients = set.Style is null ? new Dictionary<string, double>() : StyleCoefficients(fit, models),
        };
    }

    /// <summary>θ then β minimizing the objective in the remarks, for all battles once each.</summary>
    internal static double[] Solve(BattleSet set, LeaderboardOptions options) =>
        BradleyTerrySolver.Minimize(Observations.Of(set, multiplicity: null), set.Models.Length, options.Regularization);

    /// <summary>Style coefficients β of a fit, by covariate name.</summary>
    internal static IReadOnlyDictionary<string, double> StyleCoefficients(double[] fit, int models) =>
        Named(BattleSet.StyleFeatures, fit.AsSpan(models).ToArray());

    /// <summary>
    /// Base + Scale·(θ_m − shift), shift 0 or θ of the anchor. A model absent from <paramref name="present"/> gets NaN,
    /// and so does everyone when the anchor is absent (there is nothing to measure from).
    /// </summary>
    internal static double[] ToRatings(double[] fit, BattleSet set, LeaderboardOptions options, bool[]? present)
    {
        int models = set.Models.Length;
        var ratings = new double[models];
        bool anchorMissing = set.Anchor is { } a && present is not null && !present[a];
        double shift = set.Anchor is { } anchor ? fit[anchor] : 0;
        for (int m = 0; m < models; m++)
        {
            ratings[m] = anchorMissing || present is not null && !present[m]
                ? double.NaN
                : options.Base + options.Scale * (fit[m] - shift);
        }
        return ratings;
    }

    private static Dictionary<string, double> Named(IReadOnlyList<string> names, double[] values)
    {
        var named = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++) named[names[i]] = values[i];
        return named;
    }
}
