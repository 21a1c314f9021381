using Strata.Evaluation.Ratings;

namespace Strata.Evaluation.Tests.Ratings;

/// <summary>What a leaderboard adds to the ratings: intervals, ranks, counts and win rates, and their order.</summary>
public class LeaderboardTests
{
    private static readonly LeaderboardOptions Fast = new() { BootstrapRounds = 200 };

    [Fact]
    public void Counts_and_win_rates_follow_the_battles_in_rating_order()
    {
        List<Battle> battles =
        [
            new("a", "b", BattleOutcome.A), new("b", "a", BattleOutcome.B), new("b", "a", BattleOutcome.A),
            new("a", "b", BattleOutcome.Tie), new("c", "a", BattleOutcome.BothBad), new("c", "a", BattleOutcome.Tie),
            new("b", "c", BattleOutcome.A),
        ];

        var board = BradleyTerry.Leaderboard(battles, Fast);

        // a: 2 wins 1 loss over b, ties with b and c; b: beat c once; c: lost once, tied twice.
        Assert.Equal(["a", "b", "c"], board.Models);
        Assert.Equal(["a", "b", "c"], board.Entries.Select(e => e.Model));
        Assert.Equal(7, board.TotalBattles);
        var a = board.Entries[0];
        Assert.Equal((6, 2, 3, 1), (a.Battles, a.Wins, a.Ties, a.Losses));
        var c = board.Entries[2];
        Assert.Equal((3, 0, 2, 1), (c.Battles, c.Wins, c.Ties, c.Losses));
        Assert.Equal(2 / 3.0, board.WinRate[0][1], 1e-12);
        Assert.Equal(1 / 3.0, board.WinRate[1][0], 1e-12);
        Assert.True(double.IsNaN(board.WinRate[0][2]), "a and c only tied");
        Assert.Equal(1.0, board.WinRate[1][2]);
        Assert.Equal(0.0, board.WinRate[2][1]);
        Assert.True(double.IsNaN(board.WinRate[1][1]));
        Assert.Equal([[0, 4, 2], [4, 0, 1], [2, 1, 0]], board.BattleCounts);
    }

    [Fact]
    public void A_clearly_better_model_ranks_first_and_two_indistinguishable_ones_share_second()
    {
        var random = new Random(11);
        // top beats both others 90% of the time; twin-1 and twin-2 split evenly.
        var battles = new List<Battle>();
        for (int n = 0; n < 600; n++)
        {
            string other = n % 2 == 0 ? "twin-1" : "twin-2";
            battles.Add(new Battle("top", other, random.NextDouble() < 0.9 ? BattleOutcome.A : BattleOutcome.B));
            battles.Add(new Battle("twin-1", "twin-2", random.NextDouble() < 0.5 ? BattleOutcome.A : BattleOutcome.B));
        }

        var board = BradleyTerry.Leaderboard(battles, Fast);

        Assert.Equal("top", board.Entries[0].Model);
        Assert.Equal([1, 2, 2], board.Entries.Select(e => e.Rank));
        foreach (var entry in board.Entries)
        {
            Assert.True(entry.Lower <= entry.Rating && entry.Rating <= entry.Upper, $"{entry.Model}: {entry.Rating} outside [{entry.Lower}, {entry.Upper}]");
            int above = board.Entries.Count(other => other.Lower > entry.Upper);
            Assert.Equal(1 + above, entry.Rank);
        }
    }

    [Fact]
    public void Intervals_are_reproducible_from_the_seed_and_change_with_it()
    {
        var battles = SyntheticArena.Battles(new Random(3), [1100, 1050, 1000, 950, 900], 500);

        var first = BradleyTerry.Leaderboard(battles, Fast with { Seed = 7 });
        var again = BradleyTerry.Leaderboard(battles, Fast with { Seed = 7 });
        var other = BradleyTerry.Leaderboard(battles, Fast with { Seed = 8 });

        Assert.Equal(first.Entries, again.Entries);
        Assert.NotEqual(first.Entries.Select(e => e.Lower), other.Entries.Select(e => e.Lower));
        Assert.Equal(first.Entries.Select(e => e.Rating), other.Entries.Select(e => e.Rating));
    }

    [Fact]
    public void The_anchor_has_a_zero_width_interval_at_base()
    {
        var battles = SyntheticArena.Battles(new Random(4), [1100, 1000, 900], 300);

        var board = BradleyTerry.Leaderboard(battles, Fast with { AnchorModel = SyntheticArena.Name(1) });

        var anchor = board.Entries.Single(e => e.Model == SyntheticArena.Name(1));
        Assert.Equal((1000.0, 1000.0, 1000.0), (anchor.Rating, anchor.Lower, anchor.Upper));
        Assert.All(board.Entries.Where(e => e != anchor), e => Assert.True(e.Upper - e.Lower > 10));
    }

    [Fact]
    public void Twenty_models_ten_thousand_battles_and_a_thousand_rounds_take_seconds()
    {
        double[] truth = [.. Enumerable.Range(0, 20).Select(m => 1300 - 30.0 * m)];
        var battles = SyntheticArena.Battles(new Random(1), truth, 10_000);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var board = BradleyTerry.Leaderboard(battles, new LeaderboardOptions { BootstrapRounds = 1000 });
        clock.Stop();

        Assert.Equal(20, board.Entries.Count);
        // Generous for a shared CI machine; it takes well under a second on two cores.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
