namespace Strata.Evaluation.Ratings;

/// <summary>How a leaderboard is fitted. Defaults are Chatbot Arena's.</summary>
public sealed record LeaderboardOptions
{
    /// <summary>Bootstrap rounds over battles for the 95% intervals (at least 100).</summary>
    public int BootstrapRounds { get; init; } = 1000;

    /// <summary>Seed of the bootstrap's resampling: the same battles and seed give the same intervals.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Points per factor of e in odds: 400 / ln 10, the Elo scale.</summary>
    public double Scale { get; init; } = 400 / Math.Log(10);

    /// <summary>The rating of an average model (or of <see cref="AnchorModel"/>).</summary>
    public double Base { get; init; } = 1000;

    /// <summary>When set, this model is pinned at <see cref="Base"/> and the others are rated relative to it.</summary>
    public string? AnchorModel { get; init; }

    /// <summary>Fit length and Markdown counts as covariates, so ratings reflect content rather than style.</summary>
    public bool StyleControl { get; init; }

    /// <summary>
    /// λ of the L2 term <c>λ/2 · (Σθ² + Σβ²)</c> added to the negative log-likelihood (the objective is stated on
    /// <see cref="BradleyTerry"/>).
    /// Without it a model that won (or lost) every battle has no finite maximum-likelihood rating; with it that model
    /// sits far above (below) the rest, roughly <c>ln(battles / λ)</c> in log-odds, and everyone else moves by a
    /// negligible amount (λ is summed against whole battle counts, not averaged). It also selects, among ratings that
    /// differ by a constant shift, the one with mean zero. Must be positive.
    /// </summary>
    public double Regularization { get; init; } = 1e-4;

    /// <summary>Throws <see cref="ArgumentException"/> for settings no fit can use.</summary>
    internal void Validate(bool bootstrap)
    {
        if (bootstrap && BootstrapRounds < 100)
            throw new ArgumentException($"BootstrapRounds must be at least 100 for 2.5/97.5 percentiles (got {BootstrapRounds})", nameof(BootstrapRounds));
        if (!double.IsFinite(Scale) || Scale <= 0) throw new ArgumentException($"Scale must be positive and finite (got {Scale})", nameof(Scale));
        if (!double.IsFinite(Base)) throw new ArgumentException($"Base must be finite (got {Base})", nameof(Base));
        if (!double.IsFinite(Regularization) || Regularization <= 0)
            throw new ArgumentException($"Regularization must be positive and finite (got {Regularization})", nameof(Regularization));
        if (AnchorModel is not null && string.IsNullOrWhiteSpace(AnchorModel))
            throw new ArgumentException("AnchorModel is blank; leave it null to centre the ratings on Base", nameof(AnchorModel));
    }
}
