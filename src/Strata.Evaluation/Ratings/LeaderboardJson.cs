using System.Text.Json.Nodes;

namespace Strata.Evaluation.Ratings;

/// <summary>
/// A leaderboard as JSON (snake_case, NaN as null): the one shape judge mode's <c>judge.json</c> and the arena's
/// <c>GET /v1/arena/leaderboard</c> share.
/// </summary>
public static class LeaderboardJson
{
    public static JsonObject ToJson(Leaderboard leaderboard) => new()
    {
        ["total_battles"] = leaderboard.TotalBattles,
        ["entries"] = new JsonArray(leaderboard.Entries.Select(e => (JsonNode?)new JsonObject
        {
            ["rank"] = e.Rank,
            ["model"] = e.Model,
            ["rating"] = Number(e.Rating),
            ["ci_lower"] = Number(e.Lower),
            ["ci_upper"] = Number(e.Upper),
            ["battles"] = e.Battles,
            ["wins"] = e.Wins,
            ["ties"] = e.Ties,
            ["losses"] = e.Losses,
        }).ToArray()),
        ["models"] = new JsonArray(leaderboard.Models.Select(m => (JsonNode?)m).ToArray()),
        ["win_rate"] = new JsonArray(leaderboard.WinRate.Select(row => (JsonNode?)new JsonArray(row.Select(Number).ToArray())).ToArray()),
        ["battle_counts"] = new JsonArray(leaderboard.BattleCounts.Select(row => (JsonNode?)new JsonArray(row.Select(c => (JsonNode?)c).ToArray())).ToArray()),
        ["style_coefficients"] = leaderboard.StyleCoefficients.Count == 0 ? null : new JsonObject(leaderboard.StyleCoefficients.Select(p => KeyValuePair.Create(p.Key, Number(p.Value)))),
        ["options"] = new JsonObject
        {
            ["bootstrap_rounds"] = leaderboard.Options.BootstrapRounds,
            ["seed"] = leaderboard.Options.Seed,
            ["scale"] = leaderboard.Options.Scale,
            ["base"] = leaderboard.Options.Base,
            ["anchor_model"] = leaderboard.Options.AnchorModel,
            ["style_control"] = leaderboard.Options.StyleControl,
        },
    };

    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 6)) : null;
}
