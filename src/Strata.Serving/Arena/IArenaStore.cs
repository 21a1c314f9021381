using Strata.Serving.Storage;

namespace Strata.Serving.Arena;

/// <summary>
/// Arena battles, their turns and votes, per tenant, in the server's store (<c>--store</c>: SQLite, or PostgreSQL
/// shared by replicas). Every call names the tenant and sees only its rows: another tenant's battle is "not found".
/// Writes that could race (a turn and a vote on one battle, two votes) are decided by the database, so replicas agree.
/// Implementations are safe for concurrent calls. Open one with <see cref="ArenaStores.Open"/>.
/// </summary>
public interface IArenaStore : IDisposable
{
    /// <summary>Where the battles live, printable (no password).</summary>
    StoreLocation Location { get; }

    /// <summary>Stores a new battle (its turns and vote, if any, are ignored: they come through <see cref="AddTurn"/> and <see cref="AddVote"/>).</summary>
    void AddBattle(ArenaBattle battle);

    /// <summary>The tenant's battle with its turns and vote, or null when the tenant has none by that id.</summary>
    ArenaBattle? Find(string tenant, string id);

    /// <summary>
    /// Appends turn number <paramref name="index"/> (0-based). False, storing nothing, when the tenant has no such
    /// battle, it has been voted on, or another turn took that number first.
    /// </summary>
    bool AddTurn(string tenant, string battleId, int index, ArenaTurn turn, DateTimeOffset at);

    /// <summary>Stores the battle's vote. False, storing nothing, when the tenant has no such battle or it already has a vote.</summary>
    bool AddVote(string tenant, string battleId, ArenaVote vote);

    /// <summary>
    /// Votes <paramref name="voter"/> (a hash) cast in the tenant since <paramref name="since"/> that the daily cap let
    /// through (counted, or set aside for another reason): the voter's allowance used, which votes past the cap do not extend.
    /// </summary>
    int VotesSince(string tenant, string voter, DateTimeOffset since);

    /// <summary>The tenant's counted votes on battles whose first message has <paramref name="promptKey"/>.</summary>
    int CountedVotes(string tenant, string promptKey);

    /// <summary>The tenant's battles with a counted vote, oldest vote first; their turns only when <paramref name="withTurns"/>.</summary>
    IReadOnlyList<ArenaBattle> CountedBattles(string tenant, bool withTurns);
}
