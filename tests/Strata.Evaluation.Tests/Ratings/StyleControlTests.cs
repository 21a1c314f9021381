using Strata.Evaluation.Ratings;

namespace Strata.Evaluation.Tests.Ratings;

/// <summary>Style control separates what voters liked about the answer's form from the model that wrote it.</summary>
public class StyleControlTests
{
    [Fact]
    public void A_model_that_wins_only_by_writing_longer_is_not_rated_above_an_equal_one()
    {
        // Two equally strong models; "verbose" tends to write longer answers and voters prefer the longer answer:
        // P(A wins) = σ(2·(len_A − len_B)/(len_A + len_B + 1)). Lengths vary per answer, so length and model can be told apart.
        var random = new Random(9);
        var battles = new List<Battle>();
        for (int n = 0; n < 2000; n++)
        {
            bool verboseFirst = n % 2 == 0;
            int verbose = 150 + random.Next(300), terse = 50 + random.Next(300);
            int lengthA = verboseFirst ? verbose : terse, lengthB = verboseFirst ? terse : verbose;
            double logit = 2.0 * (lengthA - lengthB) / (lengthA + lengthB + 1);
            var outcome = random.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? BattleOutcome.A : BattleOutcome.B;
            var styleA = new AnswerStyle(lengthA, random.Next(3), random.Next(5), random.Next(2));
            var styleB = new AnswerStyle(lengthB, random.Next(3), random.Next(5), random.Next(2));
            battles.Add(verboseFirst ? new Battle("verbose", "terse", outcome, styleA, styleB) : new Battle("terse", "verbose", outcome, styleA, styleB));
        }

        var plain = BradleyTerry.Fit(battles);
        var board = BradleyTerry.Leaderboard(battles, new LeaderboardOptions { StyleControl = true, BootstrapRounds = 100 });
        var controlled = board.Entries.ToDictionary(e => e.Model, e => e.Rating);

        double plainGap = plain["verbose"] - plain["terse"];
        double controlledGap = controlled["verbose"] - controlled["terse"];
        Assert.True(plainGap > 60, $"without style control verbose leads by {plainGap}");
        // The standard error of the controlled gap is about 10 points here; the two share rank 1.
        Assert.True(Math.Abs(controlledGap) < 25, $"with style control verbose leads by {controlledGap}");
        Assert.Equal([1, 1], board.Entries.Select(e => e.Rank));
        Assert.True(board.StyleCoefficients["length"] > 0.3, $"length coefficient {board.StyleCoefficients["length"]}");
        Assert.True(Math.Abs(board.StyleCoefficients["headers"]) < 0.15, $"headers coefficient {board.StyleCoefficients["headers"]}");
        Assert.Empty(BradleyTerry.Leaderboard(battles, new LeaderboardOptions { BootstrapRounds = 100 }).StyleCoefficients);
    }

    [Fact]
    public void A_style_that_never_varies_gets_a_zero_coefficient()
    {
        var random = new Random(3);
        var battles = Enumerable.Range(0, 300).Select(n => new Battle(
            n % 3 == 0 ? "a" : "b", n % 3 == 0 ? "c" : "a", random.Next(3) == 0 ? BattleOutcome.B : BattleOutcome.A,
            new AnswerStyle(random.Next(1, 500), random.Next(3), random.Next(4), 0),
            new AnswerStyle(random.Next(1, 500), random.Next(3), random.Next(4), 0))).ToList();

        var board = BradleyTerry.Leaderboard(battles, new LeaderboardOptions { StyleControl = true, BootstrapRounds = 100 });

        Assert.Equal(0, board.StyleCoefficients["bold_spans"]);
        Assert.All(board.Entries, e => Assert.True(double.IsFinite(e.Rating) && double.IsFinite(e.Lower) && double.IsFinite(e.Upper)));
    }
}
