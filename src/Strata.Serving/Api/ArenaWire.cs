using System.Text.Json.Serialization;
using Strata.Evaluation.Ratings;
using Strata.Models.Generation;
using Strata.Serving.Arena;

namespace Strata.Serving.Api;

// The arena's request and response bodies (snake_case, nulls written). Battle cards never carry the models' names;
// only the vote's answer does.

/// <summary>POST /v1/arena/battles/{id}/turns.</summary>
public sealed record ArenaTurnRequest
{
    [JsonPropertyName("message")] public string? Message { get; init; }
}

/// <summary>POST /v1/arena/battles/{id}/vote.</summary>
public sealed record ArenaVoteRequest
{
    /// <summary><c>a</c>, <c>b</c>, <c>tie</c> or <c>both_bad</c>.</summary>
    [JsonPropertyName("winner")] public string? Winner { get; init; }

    /// <summary>An anonymous id the browser keeps, for the daily cap; ignored when the request carries an API key.</summary>
    [JsonPropertyName("voter")] public string? Voter { get; init; }
}

public sealed record ArenaTurnCard(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("a")] string A,
    [property: JsonPropertyName("b")] string B);

/// <summary>A battle's vote as its card shows it: the outcome and whether it counts, not who fought.</summary>
public sealed record ArenaVoteSummary(
    [property: JsonPropertyName("winner")] string Winner,
    [property: JsonPropertyName("counted")] bool Counted,
    [property: JsonPropertyName("excluded_reason")] string? ExcludedReason,
    [property: JsonPropertyName("created_at")] long CreatedAt);

public sealed record ArenaBattleCard(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("turns")] IReadOnlyList<ArenaTurnCard> Turns,
    [property: JsonPropertyName("vote")] ArenaVoteSummary? Vote)
{
    public static ArenaBattleCard Of(ArenaBattle battle) => new(battle.Id, "arena.battle", battle.CreatedAt.ToUnixTimeSeconds(),
        battle.Turns.Select(t => new ArenaTurnCard(t.Message, t.AnswerA, t.AnswerB)).ToList(),
        battle.Vote is { } vote ? new ArenaVoteSummary(ArenaNames.Of(vote.Outcome), vote.Counted, Reason(vote), vote.CreatedAt.ToUnixTimeSeconds()) : null);

    public static string? Reason(ArenaVote vote) => vote.Excluded is { } excluded ? ArenaNames.Of(excluded) : null;
}

public sealed record ArenaModels(
    [property: JsonPropertyName("a")] string A,
    [property: JsonPropertyName("b")] string B);

/// <summary>The answer to a vote: the one place the battle's models are named.</summary>
public sealed record ArenaVoteResult(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("winner")] string Winner,
    [property: JsonPropertyName("counted")] bool Counted,
    [property: JsonPropertyName("excluded_reason")] string? ExcludedReason,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("models")] ArenaModels Models)
{
    public static ArenaVoteResult Of(ArenaBattle battle)
    {
        var vote = battle.Vote ?? throw new ArgumentException("the battle has no vote", nameof(battle));
        return new(battle.Id, "arena.vote", ArenaNames.Of(vote.Outcome), vote.Counted, ArenaBattleCard.Reason(vote), vote.CreatedAt.ToUnixTimeSeconds(),
            new ArenaModels(battle.ModelA, battle.ModelB));
    }
}

/// <summary>A turn's stream event: new text of one side's answer.</summary>
public sealed record ArenaDeltaEvent(
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("delta")] string Delta);

/// <summary>A turn's stream event: one side has finished (<c>stop</c> or <c>length</c>, as OpenAI's finish reasons).</summary>
public sealed record ArenaDoneEvent(
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("done")] bool Done,
    [property: JsonPropertyName("finish_reason")] string FinishReason,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens)
{
    public static ArenaDoneEvent Of(ArenaAnswered answered) =>
        new(ArenaNames.Of(answered.Side), true, Choices.OpenAiFinishReason(answered.FinishReason), answered.Tokens);
}

/// <summary>A failure after the stream has started, in OpenAI's error shape.</summary>
public sealed record StreamErrorEvent([property: JsonPropertyName("error")] StreamError Error);

public sealed record StreamError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

/// <summary>GET /v1/arena/leaderboard: entries best first; the matrices' rows and columns follow <c>models</c>.</summary>
/// <param name="WinRate">Null where two models never met or always tied (JSON has no NaN).</param>
public sealed record ArenaLeaderboard(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("style_control")] bool StyleControl,
    [property: JsonPropertyName("total_battles")] int TotalBattles,
    [property: JsonPropertyName("entries")] IReadOnlyList<LeaderboardEntryJson> Entries,
    [property: JsonPropertyName("models")] IReadOnlyList<string> Models,
    [property: JsonPropertyName("win_rate")] double?[][] WinRate,
    [property: JsonPropertyName("battle_counts")] int[][] BattleCounts)
{
    public static ArenaLeaderboard Of(Leaderboard board) => new("arena.leaderboard", board.Options.StyleControl, board.TotalBattles,
        LeaderboardJson.Entries(board), board.Models, LeaderboardJson.WinRates(board), board.BattleCounts);
}
