using System.Text.Json;
using Strata.Evaluation.Ratings;

namespace Strata.Evaluation.Tests.Ratings;

/// <summary>
/// Ratings against tests/tools/bradley_terry_reference.py, which minimizes the same objective with scipy (and checks
/// itself against scikit-learn's LogisticRegression). Regenerate the files with the command in their
/// <c>generated_by</c> field.
/// </summary>
public class GoldenRatingsTests
{
    private static readonly string Directory = Path.Combine(TestPaths.RepositoryRoot, "tests", "Strata.Evaluation.Tests", "Golden", "ratings");

    [Theory]
    [InlineData("dense4")]
    [InlineData("sparse8_undefeated")]
    [InlineData("ties_anchor")]
    [InlineData("style_control")]
    public void Ratings_match_the_reference_within_a_hundredth_of_a_point(string name)
    {
        var (battles, options, expected, _) = Load(name);

        var ratings = BradleyTerry.Fit(battles, options);

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), ratings.Keys.Order(StringComparer.Ordinal));
        foreach (var (model, rating) in expected) Assert.True(Math.Abs(ratings[model] - rating) < 0.01, $"{name}: {model} {ratings[model]} vs reference {rating}");
    }

    [Fact]
    public void Style_coefficients_and_leaderboard_ratings_match_the_reference()
    {
        var (battles, options, expected, style) = Load("style_control");

        var board = BradleyTerry.Leaderboard(battles, options with { BootstrapRounds = 100 });

        Assert.NotNull(style);
        foreach (var (feature, beta) in style) Assert.True(Math.Abs(board.StyleCoefficients[feature] - beta) < 1e-5, $"{feature}: {board.StyleCoefficients[feature]} vs reference {beta}");
        foreach (var entry in board.Entries) Assert.True(Math.Abs(entry.Rating - expected[entry.Model]) < 0.01, $"{entry.Model} {entry.Rating} vs reference {expected[entry.Model]}");
    }

    private static (List<Battle> Battles, LeaderboardOptions Options, Dictionary<string, double> Ratings, Dictionary<string, double>? Style) Load(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, name + ".json")));
        var root = json.RootElement;
        var o = root.GetProperty("options");
        var options = new LeaderboardOptions
        {
            Scale = o.GetProperty("scale").GetDouble(),
            Base = o.GetProperty("base").GetDouble(),
            AnchorModel = o.GetProperty("anchor").GetString(),
            StyleControl = o.GetProperty("style_control").GetBoolean(),
            Regularization = o.GetProperty("regularization").GetDouble(),
        };
        var battles = root.GetProperty("battles").EnumerateArray().Select(b => new Battle(
            b.GetProperty("model_a").GetString()!,
            b.GetProperty("model_b").GetString()!,
            b.GetProperty("winner").GetString() switch
            {
                "model_a" => BattleOutcome.A,
                "model_b" => BattleOutcome.B,
                "tie" => BattleOutcome.Tie,
                "tie (bothbad)" => BattleOutcome.BothBad,
                var other => throw new InvalidDataException($"winner '{other}'"),
            },
            Style(b, "style_a"),
            Style(b, "style_b"))).ToList();
        var expected = root.GetProperty("expected");
        return (battles, options, Doubles(expected.GetProperty("ratings")),
            expected.TryGetProperty("style_coefficients", out var style) ? Doubles(style) : null);
    }

    private static AnswerStyle? Style(JsonElement battle, string side) =>
        battle.TryGetProperty(side, out var s)
            ? new AnswerStyle(s.GetProperty("length").GetInt32(), s.GetProperty("headers").GetInt32(), s.GetProperty("list_items").GetInt32(), s.GetProperty("bold_spans").GetInt32())
            : null;

    private static Dictionary<string, double> Doubles(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
}
