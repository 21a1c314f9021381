using Strata.Evaluation.Ratings;

namespace Strata.Serving.Arena;

/// <summary>Counted arena votes as the ratings library reads them: one <see cref="Battle"/> per vote.</summary>
public static class ArenaRatings
{
    /// <summary>The leaderboard of <paramref name="battles"/> (each with its counted vote; with turns for style control).</summary>
    public static Leaderboard Leaderboard(IReadOnlyList<ArenaBattle> battles, bool styleControl)
    {
        var options = new LeaderboardOptions { StyleControl = styleControl };
        // The fit has nothing to say about no battles; an empty board is the honest answer.
        if (battles.Count == 0) return new Leaderboard([], [], [], [], 0, options);
        return BradleyTerry.Leaderboard(battles.Select(b => ToBattle(b, styleControl)).ToList(), options);
    }

    public static Battle ToBattle(ArenaBattle battle, bool withStyle)
    {
        var vote = battle.Vote ?? throw new ArgumentException($"battle {battle.Id} has no vote", nameof(battle));
        return new Battle(battle.ModelA, battle.ModelB, vote.Outcome,
            withStyle ? Style(battle, ArenaSide.A) : null, withStyle ? Style(battle, ArenaSide.B) : null);
    }

    /// <summary>The style of one side's answers over the whole battle, its length in the tokens the model generated.</summary>
    public static AnswerStyle Style(ArenaBattle battle, ArenaSide side) =>
        AnswerStyle.Of(string.Join("\n\n", battle.Turns.Select(t => t.Answer(side))), battle.Turns.Sum(t => t.Tokens(side)));
}
