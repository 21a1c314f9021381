using System.Data.Common;
using System.Globalization;
using Strata.Serving.Storage;

namespace Strata.Serving.Arena;

/// <summary>
/// What an arena store does, written once over ADO.NET so that SQLite and PostgreSQL behave alike (as the key store
/// is): the same tenant filters, the same conditional inserts deciding races, the same text. Subclasses supply
/// connections, the schema and how times are stored. Every call opens its own pooled connection.
/// </summary>
internal abstract class SqlArenaStore(StoreLocation location) : IArenaStore
{
    private const string BattleColumns = "id, tenant, model_a, model_b, created_at";
    private const string TurnColumns = "battle_id, idx, message, answer_a, answer_b, tokens_a, tokens_b";
    private const string VoteColumns = "battle_id, outcome, voter, prompt_key, created_at, excluded_reason";

    public StoreLocation Location { get; } = location;

    protected abstract DbConnection Connect();

    /// <summary>A time as the database stores it (whole milliseconds, UTC).</summary>
    protected abstract object ToDatabase(DateTimeOffset value);

    protected abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    public void AddBattle(ArenaBattle battle)
    {
        using var connection = Connect();
        Execute(connection, $"INSERT INTO arena_battles ({BattleColumns}) VALUES (@id, @tenant, @a, @b, @created)",
            ("id", battle.Id), ("tenant", battle.Tenant), ("a", battle.ModelA), ("b", battle.ModelB), ("created", ToDatabase(battle.CreatedAt)));
    }

    public ArenaBattle? Find(string tenant, string id)
    {
        using var connection = Connect();
        var battle = Query(connection, $"SELECT {BattleColumns} FROM arena_battles WHERE id = @id AND tenant = @tenant", ReadBattle,
            ("id", id), ("tenant", tenant)).FirstOrDefault();
        if (battle is null) return null;
        var turns = Query(connection, $"SELECT {TurnColumns} FROM arena_turns WHERE battle_id = @id ORDER BY idx", ReadTurn, ("id", id));
        var vote = Query(connection, $"SELECT {VoteColumns} FROM arena_votes WHERE battle_id = @id AND tenant = @tenant", ReadVote,
            ("id", id), ("tenant", tenant)).FirstOrDefault();
        return battle with { Turns = turns.Select(t => t.Turn).ToList(), Vote = vote.Vote };
    }

    public bool AddTurn(string tenant, string battleId, int index, ArenaTurn turn, DateTimeOffset at)
    {
        using var connection = Connect();
        // One statement decides: the battle is the tenant's, has no vote, and the turn number is free (the primary key).
        return Execute(connection, $"""
            INSERT INTO arena_turns ({TurnColumns}, created_at)
            SELECT b.id, @idx, @message, @answer_a, @answer_b, @tokens_a, @tokens_b, @created FROM arena_battles b
            WHERE b.id = @battle AND b.tenant = @tenant AND NOT EXISTS (SELECT 1 FROM arena_votes v WHERE v.battle_id = b.id)
            ON CONFLICT (battle_id, idx) DO NOTHING
            """,
            ("idx", index), ("message", Storable(turn.Message)), ("answer_a", Storable(turn.AnswerA)), ("answer_b", Storable(turn.AnswerB)),
            ("tokens_a", turn.TokensA), ("tokens_b", turn.TokensB), ("created", ToDatabase(at)), ("battle", battleId), ("tenant", tenant)) == 1;
    }

    public bool AddVote(string tenant, string battleId, ArenaVote vote)
    {
        using var connection = Connect();
        // The battle id is the votes' primary key: of two votes racing (on two replicas, say), one is stored.
        return Execute(connection, $"""
            INSERT INTO arena_votes ({VoteColumns}, tenant)
            SELECT b.id, @outcome, @voter, @prompt_key, @created, @excluded, b.tenant FROM arena_battles b
            WHERE b.id = @battle AND b.tenant = @tenant
            ON CONFLICT (battle_id) DO NOTHING
            """,
            ("outcome", ArenaNames.Of(vote.Outcome)), ("voter", vote.Voter), ("prompt_key", vote.PromptKey), ("created", ToDatabase(vote.CreatedAt)),
            ("excluded", vote.Excluded is { } reason ? ArenaNames.Of(reason) : null), ("battle", battleId), ("tenant", tenant)) == 1;
    }

    public int VotesSince(string tenant, string voter, DateTimeOffset since)
    {
        using var connection = Connect();
        return Count(connection, """
            SELECT count(*) FROM arena_votes
            WHERE tenant = @tenant AND voter = @voter AND created_at >= @since AND (excluded_reason IS NULL OR excluded_reason <> @capped)
            """, ("tenant", tenant), ("voter", voter), ("since", ToDatabase(since)), ("capped", ArenaNames.Of(VoteExclusion.DailyCap)));
    }

    public int CountedVotes(string tenant, string promptKey)
    {
        using var connection = Connect();
        return Count(connection, "SELECT count(*) FROM arena_votes WHERE tenant = @tenant AND prompt_key = @key AND excluded_reason IS NULL",
            ("tenant", tenant), ("key", promptKey));
    }

    public IReadOnlyList<ArenaBattle> CountedBattles(string tenant, bool withTurns)
    {
        using var connection = Connect();
        const string counted = "FROM arena_votes v JOIN arena_battles b ON b.id = v.battle_id WHERE v.tenant = @tenant AND b.tenant = @tenant AND v.excluded_reason IS NULL";
        var battles = Query(connection, $"SELECT b.id, b.tenant, b.model_a, b.model_b, b.created_at {counted} ORDER BY v.created_at, b.id", ReadBattle, ("tenant", tenant));
        var votes = Query(connection, $"SELECT v.battle_id, v.outcome, v.voter, v.prompt_key, v.created_at, v.excluded_reason {counted}", ReadVote, ("tenant", tenant))
            .ToDictionary(v => v.BattleId, v => v.Vote);
        // A vote's tenant is its battle's (copied when it is cast), so the votes alone pick the tenant's turns.
        var turns = !withTurns ? [] : Query(connection, """
            SELECT t.battle_id, t.idx, t.message, t.answer_a, t.answer_b, t.tokens_a, t.tokens_b
            FROM arena_turns t JOIN arena_votes v ON v.battle_id = t.battle_id
            WHERE v.tenant = @tenant AND v.excluded_reason IS NULL ORDER BY t.battle_id, t.idx
            """, ReadTurn, ("tenant", tenant));
        var turnsOf = turns.ToLookup(t => t.BattleId, t => t.Turn);
        return battles.Select(b => b with { Vote = votes[b.Id], Turns = turnsOf[b.Id].ToList() }).ToList();
    }

    /// <summary>
    /// PostgreSQL's text refuses NUL, which a model's byte-level output can hold; both stores keep U+FFFD instead, so
    /// they return the same text.
    /// </summary>
    private static string Storable(string text) => text.Replace('\0', '\uFFFD');

    private ArenaBattle ReadBattle(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), ReadTime(r, 4));

    private static (string BattleId, ArenaTurn Turn) ReadTurn(DbDataReader r) =>
        (r.GetString(0), new ArenaTurn(r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5), r.GetInt32(6)));

    private (string BattleId, ArenaVote Vote) ReadVote(DbDataReader r) =>
        (r.GetString(0), new ArenaVote(
            ArenaNames.Outcome(r.GetString(1)) ?? throw new InvalidDataException($"unknown vote outcome '{r.GetString(1)}'"),
            r.GetString(2), r.GetString(3), ReadTime(r, 4), r.IsDBNull(5) ? null : ArenaNames.Exclusion(r.GetString(5))));

    private static int Execute(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = SqlCommands.Create(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static int Count(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = SqlCommands.Create(connection, sql, parameters);
        // SQLite answers a long, PostgreSQL a bigint.
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static List<T> Query<T>(DbConnection connection, string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var command = SqlCommands.Create(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    public abstract void Dispose();
}
