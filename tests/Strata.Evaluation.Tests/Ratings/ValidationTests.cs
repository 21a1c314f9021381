using Strata.Evaluation.Ratings;

namespace Strata.Evaluation.Tests.Ratings;

/// <summary>Input no fit can use is refused with an <see cref="ArgumentException"/> that says what is wrong.</summary>
public class ValidationTests
{
    private static readonly List<Battle> Good = [new("a", "b", BattleOutcome.A), new("b", "a", BattleOutcome.A)];

    [Fact]
    public void No_battles() =>
        AssertRefused([], null, "no battles");

    [Fact]
    public void A_model_against_itself() =>
        AssertRefused([.. Good, new("c", "c", BattleOutcome.Tie)], null, "battle 2 pits c against itself");

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void A_blank_model_name(string name) =>
        AssertRefused([.. Good, new(name, "a", BattleOutcome.A)], null, "battle 2 has a blank model name");

    [Fact]
    public void A_null_model_name() =>
        AssertRefused([new("a", null!, BattleOutcome.A)], null, "blank model name");

    [Fact]
    public void An_anchor_that_never_played() =>
        AssertRefused(Good, new LeaderboardOptions { AnchorModel = "zeta" }, "anchor model 'zeta'");

    [Fact]
    public void Fewer_than_100_bootstrap_rounds() =>
        Assert.Contains("BootstrapRounds must be at least 100",
            Assert.Throws<ArgumentException>(() => BradleyTerry.Leaderboard(Good, new LeaderboardOptions { BootstrapRounds = 99 })).Message);

    [Fact]
    public void Bootstrap_rounds_do_not_matter_to_a_plain_fit() =>
        Assert.Equal(2, BradleyTerry.Fit(Good, new LeaderboardOptions { BootstrapRounds = 1 }).Count);

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void A_regularization_that_is_not_positive(double lambda) =>
        AssertRefused(Good, new LeaderboardOptions { Regularization = lambda }, "Regularization must be positive");

    [Fact]
    public void A_scale_that_is_not_positive() =>
        AssertRefused(Good, new LeaderboardOptions { Scale = 0 }, "Scale must be positive");

    [Fact]
    public void An_undefined_outcome() =>
        AssertRefused([.. Good, new("a", "b", (BattleOutcome)7)], null, "battle 2 has an undefined outcome");

    [Fact]
    public void Style_control_with_a_battle_that_has_no_style()
    {
        var style = new AnswerStyle(100, 1, 2, 0);
        List<Battle> battles = [new("a", "b", BattleOutcome.A, style, style), new("b", "a", BattleOutcome.A, style, null)];

        AssertRefused(battles, new LeaderboardOptions { StyleControl = true }, "battle 1 lacks StyleB");
        Assert.Equal(2, BradleyTerry.Fit(battles).Count);
    }

    [Fact]
    public void Style_control_with_negative_counts() =>
        AssertRefused([new("a", "b", BattleOutcome.A, new AnswerStyle(-1, 0, 0, 0), new AnswerStyle(1, 0, 0, 0))],
            new LeaderboardOptions { StyleControl = true }, "negative style count");

    /// <summary>Both entry points refuse it, with <paramref name="message"/> in the exception's message.</summary>
    private static void AssertRefused(List<Battle> battles, LeaderboardOptions? options, string message)
    {
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => BradleyTerry.Fit(battles, options)).Message);
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => BradleyTerry.Leaderboard(battles, options)).Message);
    }
}
