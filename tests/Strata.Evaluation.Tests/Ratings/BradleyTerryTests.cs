using Strata.Evaluation.Ratings;

namespace Strata.Evaluation.Tests.Ratings;

/// <summary>Small hand-made arenas whose maximum-likelihood ratings follow from the likelihood by hand.</summary>
public class BradleyTerryTests
{
    private static readonly double Scale = 400 / Math.Log(10);

    private static IEnumerable<Battle> Repeat(string a, string b, BattleOutcome outcome, int times) =>
        Enumerable.Repeat(new Battle(a, b, outcome), times);

    [Fact]
    public void Two_models_that_only_tied_are_rated_equal_at_the_base()
    {
        List<Battle> battles = [.. Repeat("a", "b", BattleOutcome.Tie, 3), .. Repeat("b", "a", BattleOutcome.BothBad, 2)];

        var ratings = BradleyTerry.Fit(battles);

        Assert.Equal(1000, ratings["a"], 1e-9);
        Assert.Equal(1000, ratings["b"], 1e-9);
    }

    [Fact]
    public void Three_wins_to_one_put_the_ratings_scale_times_ln3_apart()
    {
        // Two models, a won 3 of 4 (two as side A, one as side B, so sides do not matter). With θ_a = −θ_b = d/2 the
        // stationarity condition of f is 3 − 4σ(d) = λ·d/2; without the L2 term d = ln 3.
        List<Battle> battles = [.. Repeat("a", "b", BattleOutcome.A, 2), new("b", "a", BattleOutcome.B), new("a", "b", BattleOutcome.B)];
        const double lambda = 1e-4;

        var ratings = BradleyTerry.Fit(battles, new LeaderboardOptions { Regularization = lambda });

        double d = Bisect(d => 3 - 4 / (1 + Math.Exp(-d)) - lambda * d / 2, 0, 5);
        Assert.Equal(Scale * d, ratings["a"] - ratings["b"], 1e-6);
        Assert.Equal(Scale * Math.Log(3), ratings["a"] - ratings["b"], 0.05);
        Assert.Equal(1000, (ratings["a"] + ratings["b"]) / 2, 1e-9);
    }

    [Fact]
    public void A_tie_counts_as_half_a_win_for_each_side()
    {
        // One win and two ties score 2 : 1, the same as two wins and a loss: a gap of scale·ln 2.
        List<Battle> withTies = [new("a", "b", BattleOutcome.A), new("a", "b", BattleOutcome.Tie), new("b", "a", BattleOutcome.BothBad)];
        List<Battle> withoutTies = [.. Repeat("a", "b", BattleOutcome.A, 2), new("a", "b", BattleOutcome.B)];
        var options = new LeaderboardOptions { Regularization = 1e-9 };

        var tied = BradleyTerry.Fit(withTies, options);
        var untied = BradleyTerry.Fit(withoutTies, options);

        Assert.Equal(Scale * Math.Log(2), tied["a"] - tied["b"], 1e-4);
        Assert.Equal(untied["a"] - untied["b"], tied["a"] - tied["b"], 1e-6);
    }

    [Fact]
    public void Three_models_in_a_chain_have_the_gaps_their_odds_imply()
    {
        // a beat b 2:1 and b beat c 2:1, never a against c: the likelihood factorizes, so each gap is scale·ln 2.
        List<Battle> battles = [.. Repeat("a", "b", BattleOutcome.A, 2), new("a", "b", BattleOutcome.B), .. Repeat("b", "c", BattleOutcome.A, 2), new("c", "b", BattleOutcome.A)];

        var ratings = BradleyTerry.Fit(battles, new LeaderboardOptions { Regularization = 1e-9 });

        Assert.Equal(Scale * Math.Log(2), ratings["a"] - ratings["b"], 1e-4);
        Assert.Equal(Scale * Math.Log(2), ratings["b"] - ratings["c"], 1e-4);
        Assert.Equal(1000, ratings.Values.Average(), 1e-9);
    }

    [Fact]
    public void An_undefeated_model_gets_a_finite_rating_far_above_the_rest()
    {
        List<Battle> battles = [.. Repeat("champion", "b", BattleOutcome.A, 10), .. Repeat("b", "c", BattleOutcome.A, 5), .. Repeat("c", "b", BattleOutcome.A, 5)];

        var ratings = BradleyTerry.Fit(battles);

        Assert.True(double.IsFinite(ratings["champion"]));
        Assert.True(ratings["champion"] - ratings["b"] > 1000, $"gap {ratings["champion"] - ratings["b"]}");
        // b and c split their battles; the L2 term's pull on the champion reaches b through its 10 losses, by a tenth of
        // a point at most.
        Assert.Equal(ratings["b"], ratings["c"], 0.1);
    }

    [Fact]
    public void An_anchor_sits_at_base_and_shifts_the_mean_centred_ratings_without_changing_gaps()
    {
        var random = new Random(5);
        var battles = SyntheticArena.Battles(random, [1200, 1100, 1000, 900], 400);

        var centred = BradleyTerry.Fit(battles);
        var anchored = BradleyTerry.Fit(battles, new LeaderboardOptions { AnchorModel = SyntheticArena.Name(2), Base = 1114 });

        Assert.Equal(1114, anchored[SyntheticArena.Name(2)], 1e-9);
        Assert.Equal(1000, centred.Values.Average(), 1e-9);
        foreach (var model in centred.Keys)
            Assert.Equal(centred[model] - centred[SyntheticArena.Name(2)], anchored[model] - 1114, 1e-9);
    }

    [Fact]
    public void Scale_and_base_are_applied_to_the_log_odds()
    {
        List<Battle> battles = [.. Repeat("a", "b", BattleOutcome.A, 3), new("a", "b", BattleOutcome.B)];
        var elo = BradleyTerry.Fit(battles);

        var natural = BradleyTerry.Fit(battles, new LeaderboardOptions { Scale = 1, Base = 0 });

        Assert.Equal((elo["a"] - 1000) / Scale, natural["a"], 1e-9);
        Assert.Equal(-natural["a"], natural["b"], 1e-9);
    }

    private static double Bisect(Func<double, double> f, double low, double high)
    {
        for (int i = 0; i < 200; i++)
        {
            double mid = (low + high) / 2;
            if (Math.Sign(f(mid)) == Math.Sign(f(low))) low = mid;
            else high = mid;
        }
        return (low + high) / 2;
    }
}
