using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Strata.Evaluation.Ratings;

/// <summary>One leaderboard row on the wire and in reports (snake_case).</summary>
public sealed record LeaderboardEntryJson(
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("rating")] double Rating,
    [property: JsonPropertyName("lower")] double Lower,
    [property: JsonPropertyName("upper")] double Upper,
    [property: JsonPropertyName("battles")] int Battles,
    [property: JsonPropertyName("wins")] int Wins,
    [property: JsonPropertyName("ties")] int Ties,
    [property: JsonPropertyName("losses")] int Losses);

/// <summary>
/// The one JSON shape of a leaderboard: entries (<see cref="LeaderboardEntryJson"/>), <c>models</c>, <c>win_rate</c>
/// (null where two models never met: JSON has no NaN) and <c>battle_counts</c>. The arena's
/// <c>GET /v1/arena/leaderboard</c> and judge mode's <c>judge.json</c> both write it.
/// </summary>
public static class LeaderboardJson
{
    public static IReadOnlyList<LeaderboardEntryJson> Entries(Leaderboard board) =>
        board.Entries.Select(e => new LeaderboardEntryJson(e.Rank, e.Model, e.Rating, e.Lower, e.Upper, e.Battles, e.Wins, e.Ties, e.Losses)).ToList();

    public static double?[][] WinRates(Leaderboard board) =>
        board.WinRate.Select(row => row.Select(r => double.IsNaN(r) ? (double?)null : r).ToArray()).ToArray();

    /// <summary>The whole leaderboard as a JSON object (for report files).</summary>
    public static JsonObject ToJson(Leaderboard board) => new()
    {
        ["total_battles"] = board.TotalBattles,
        ["entries"] = JsonSerializer.SerializeToNode(Entries(board)),
        ["models"] = JsonSerializer.SerializeToNode(board.Models),
        ["win_rate"] = JsonSerializer.SerializeToNode(WinRates(board)),
        ["battle_counts"] = JsonSerializer.SerializeToNode(board.BattleCounts),
        ["style_coefficients"] = board.StyleCoefficients.Count == 0 ? null : JsonSerializer.SerializeToNode(board.StyleCoefficients),
        ["bootstrap_rounds"] = board.Options.BootstrapRounds,
        ["style_control"] = board.Options.StyleControl,
        ["anchor_model"] = board.Options.AnchorModel,
    };
}
