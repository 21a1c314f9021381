using System.Data.Common;
using Npgsql;
using Strata.Serving.Storage;

namespace Strata.Serving.Arena;

/// <summary>
/// Arena battles in the server's PostgreSQL database, shared by replicas: a battle started on one can be continued
/// and voted on through another, and the database's keys decide which of two racing votes counts.
/// </summary>
internal sealed class PostgresArenaStore : SqlArenaStore
{
    private const int SchemaVersion = 1;

    // This store's row in strata_schema, beside 'api_keys' and 'documents' when they share the database.
    private const string Component = "arena";

    private readonly NpgsqlDataSource dataSource;

    private PostgresArenaStore(StoreLocation.Postgres location) : base(location) => dataSource = location.CreateDataSource();

    /// <exception cref="IOException">The server cannot be reached, refuses the login, or has no such database.</exception>
    /// <exception cref="InvalidDataException">The tables were written by a newer Strata.</exception>
    public static PostgresArenaStore Open(StoreLocation.Postgres location)
    {
        return PostgresSchema.Ready(new PostgresArenaStore(location), location, "arena store",
            s => PostgresSchema.Ensure(s.dataSource, location, Component, SchemaVersion, "arena store", Schema));
    }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS arena_battles (
            id          text PRIMARY KEY,
            tenant      text NOT NULL,
            model_a     text NOT NULL,
            model_b     text NOT NULL,
            created_at  timestamptz NOT NULL
        );
        CREATE INDEX IF NOT EXISTS arena_battles_tenant ON arena_battles (tenant, created_at);
        CREATE TABLE IF NOT EXISTS arena_turns (
            battle_id   text NOT NULL REFERENCES arena_battles (id) ON DELETE CASCADE,
            idx         integer NOT NULL,
            message     text NOT NULL,
            answer_a    text NOT NULL,
            answer_b    text NOT NULL,
            tokens_a    integer NOT NULL,
            tokens_b    integer NOT NULL,
            created_at  timestamptz NOT NULL,
            PRIMARY KEY (battle_id, idx)
        );
        CREATE TABLE IF NOT EXISTS arena_votes (
            battle_id        text PRIMARY KEY REFERENCES arena_battles (id) ON DELETE CASCADE,
            tenant           text NOT NULL,
            outcome          text NOT NULL,
            voter            text NOT NULL,
            prompt_key       text NOT NULL,
            created_at       timestamptz NOT NULL,
            excluded_reason  text
        );
        CREATE INDEX IF NOT EXISTS arena_votes_voter ON arena_votes (tenant, voter, created_at);
        CREATE INDEX IF NOT EXISTS arena_votes_prompt ON arena_votes (tenant, prompt_key);
        """;

    // timestamptz keeps microseconds, so the milliseconds written come back exactly; Npgsql reads them as UTC.
    protected override object ToDatabase(DateTimeOffset value) => value.ToUniversalTime();

    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    protected override DbConnection Connect() => dataSource.OpenConnection();

    /// <summary>Closes the pooled connections.</summary>
    public override void Dispose() => dataSource.Dispose();
}
