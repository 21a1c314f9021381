using Strata.Evaluation.Judging;

namespace Strata.Serving.Arena;

/// <summary>
/// A tenant's counted arena votes as <see cref="HumanVote"/>s (Chatbot Arena's conversation-data shape), for
/// <c>strata arena export</c>: to study offline, or to measure a judge model's agreement with the tenant's people.
/// </summary>
public static class ArenaExport
{
    public static IEnumerable<HumanVote> CountedVotes(IArenaStore store, string tenant) =>
        store.CountedBattles(tenant, withTurns: true)
            .Where(b => b.Vote is not null && b.Turns.Count > 0)
            .Select(b => new HumanVote(b.Id, b.ModelA, b.ModelB, b.Vote!.Outcome,
                b.Turns.Select(t => t.Message).ToList(), b.Turns.Select(t => t.AnswerA).ToList(), b.Turns.Select(t => t.AnswerB).ToList()));
}
