using Strata.Evaluation.Ratings;

namespace Strata.Serving.Arena;

/// <summary>Which anonymous side of a battle: the page's "Model A" or "Model B".</summary>
public enum ArenaSide
{
    A,
    B,
}

/// <summary>Why a stored vote is set aside: kept, with its battle, but left out of the leaderboard.</summary>
public enum VoteExclusion
{
    /// <summary>An answer names one of the two models, so the voter may have known who they voted for.</summary>
    RevealsModelName,

    /// <summary>The voter had already cast the day's allowance of votes.</summary>
    DailyCap,

    /// <summary>The battle's first message already has its share of counted votes (one popular prompt must not decide the ratings).</summary>
    DuplicatePrompt,
}

/// <summary>One exchange of a battle: the user's message, sent to both sides, and each side's answer.</summary>
/// <param name="TokensA">Tokens side A generated: the answer's length for style control.</param>
public sealed record ArenaTurn(string Message, string AnswerA, string AnswerB, int TokensA, int TokensB)
{
    public string Answer(ArenaSide side) => side == ArenaSide.A ? AnswerA : AnswerB;

    public int Tokens(ArenaSide side) => side == ArenaSide.A ? TokensA : TokensB;
}

/// <summary>A vote on a battle, as stored: counted unless <see cref="Excluded"/> says why not.</summary>
/// <param name="Voter">SHA-256 of the tenant and the voter's id (<see cref="VoteHygiene.VoterHash"/>), hex: who voted, and nothing more.</param>
/// <param name="PromptKey">SHA-256 of the battle's first message, normalised (<see cref="VoteHygiene.PromptKey"/>), hex.</param>
public sealed record ArenaVote(BattleOutcome Outcome, string Voter, string PromptKey, DateTimeOffset CreatedAt, VoteExclusion? Excluded)
{
    public bool Counted => Excluded is null;
}

/// <summary>
/// A blind comparison of two served chat models for one tenant: which model sits on side A and which on B (drawn at
/// random), the conversation so far, and the vote once cast. The model names are the secret the arena keeps until the
/// vote; nothing but the vote's answer may carry them to the caller.
/// </summary>
public sealed record ArenaBattle(string Id, string Tenant, string ModelA, string ModelB, DateTimeOffset CreatedAt)
{
    /// <summary>The turns in order; each side's conversation is every message with that side's answers.</summary>
    public IReadOnlyList<ArenaTurn> Turns { get; init; } = [];

    public ArenaVote? Vote { get; init; }

    public string Model(ArenaSide side) => side == ArenaSide.A ? ModelA : ModelB;
}

/// <summary>
/// The snake_case names outcomes and exclusions have on the wire and in the store (one spelling for both, so a row
/// reads like the API): <c>a</c>, <c>b</c>, <c>tie</c>, <c>both_bad</c>; <c>reveals_model_name</c>, <c>daily_cap</c>,
/// <c>duplicate_prompt</c>.
/// </summary>
public static class ArenaNames
{
    public static readonly IReadOnlyList<string> Outcomes = ["a", "b", "tie", "both_bad"];

    public static string Of(BattleOutcome outcome) => outcome switch
    {
        BattleOutcome.A => "a",
        BattleOutcome.B => "b",
        BattleOutcome.Tie => "tie",
        BattleOutcome.BothBad => "both_bad",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    public static string Of(VoteExclusion exclusion) => exclusion switch
    {
        VoteExclusion.RevealsModelName => "reveals_model_name",
        VoteExclusion.DailyCap => "daily_cap",
        VoteExclusion.DuplicatePrompt => "duplicate_prompt",
        _ => throw new ArgumentOutOfRangeException(nameof(exclusion)),
    };

    public static string Of(ArenaSide side) => side == ArenaSide.A ? "a" : "b";

    /// <summary>The outcome named <paramref name="name"/> (exactly, lower case), or null for any other string.</summary>
    public static BattleOutcome? Outcome(string? name) => name switch
    {
        "a" => BattleOutcome.A,
        "b" => BattleOutcome.B,
        "tie" => BattleOutcome.Tie,
        "both_bad" => BattleOutcome.BothBad,
        _ => null,
    };

    /// <exception cref="InvalidDataException">A name no Strata writes (a damaged or foreign row).</exception>
    public static VoteExclusion Exclusion(string name) => name switch
    {
        "reveals_model_name" => VoteExclusion.RevealsModelName,
        "daily_cap" => VoteExclusion.DailyCap,
        "duplicate_prompt" => VoteExclusion.DuplicatePrompt,
        _ => throw new InvalidDataException($"unknown vote exclusion '{name}'"),
    };
}
