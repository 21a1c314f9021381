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
}
