using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Strata.Serving.Storage;

namespace Strata.Serving.Arena;

/// <summary>
/// Arena battles in the server's SQLite file (the one <c>--store</c> names, beside the API keys). The file is created
/// private to its owner, as the key store creates it: battles hold tenants' conversations.
/// </summary>
internal sealed class SqliteArenaStore : SqlArenaStore
{
    private const int SchemaVersion = 1;

    private readonly string connectionString;

    private SqliteArenaStore(StoreLocation.Sqlite location) : base(location) =>
        connectionString = new SqliteConnectionStringBuilder { DataSource = location.Path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();

    /// <exception cref="InvalidDataException">The file is not a SQLite database, or was written by a newer Strata.</exception>
    public static SqliteArenaStore Open(StoreLocation.Sqlite location)
    {
        SqliteFile.CreatePrivately(location.Path);
        return SqliteFile.Ready(new SqliteArenaStore(location), location.Path, "store", s => s.EnsureSchema(location.Path));
    }

    private void EnsureSchema(string path)
    {
        using var connection = Connect();
        // The file is shared with the key store, which owns PRAGMA user_version; components record their versions in strata_schema.
        Execute(connection, "PRAGMA journal_mode = WAL");
        using var transaction = connection.BeginTransaction();
        Execute(connection, "CREATE TABLE IF NOT EXISTS strata_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
        using (var select = SqlCommands.Create(connection, "SELECT coalesce((SELECT version FROM strata_schema WHERE component = 'arena'), 0)"))
        {
            long version = Convert.ToInt64(select.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (version > SchemaVersion) throw new InvalidDataException($"{path}: arena schema {version} was written by a newer Strata (this one reads {SchemaVersion})");
            if (version == SchemaVersion) return;
        }
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS arena_battles (
                id          TEXT PRIMARY KEY,
                tenant      TEXT NOT NULL,
                model_a     TEXT NOT NULL,
                model_b     TEXT NOT NULL,
                created_at  TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS arena_battles_tenant ON arena_battles (tenant, created_at);
            CREATE TABLE IF NOT EXISTS arena_turns (
                battle_id   TEXT NOT NULL REFERENCES arena_battles (id) ON DELETE CASCADE,
                idx         INTEGER NOT NULL,
                message     TEXT NOT NULL,
                answer_a    TEXT NOT NULL,
                answer_b    TEXT NOT NULL,
                tokens_a    INTEGER NOT NULL,
                tokens_b    INTEGER NOT NULL,
                created_at  TEXT NOT NULL,
                PRIMARY KEY (battle_id, idx)
            );
            CREATE TABLE IF NOT EXISTS arena_votes (
                battle_id        TEXT PRIMARY KEY REFERENCES arena_battles (id) ON DELETE CASCADE,
                tenant           TEXT NOT NULL,
                outcome          TEXT NOT NULL,
                voter            TEXT NOT NULL,
                prompt_key       TEXT NOT NULL,
                created_at       TEXT NOT NULL,
                excluded_reason  TEXT
            );
            CREATE INDEX IF NOT EXISTS arena_votes_voter ON arena_votes (tenant, voter, created_at);
            CREATE INDEX IF NOT EXISTS arena_votes_prompt ON arena_votes (tenant, prompt_key);
            """);
        Execute(connection, $"INSERT INTO strata_schema (component, version) VALUES ('arena', {SchemaVersion})");
        transaction.Commit();
    }

    protected override object ToDatabase(DateTimeOffset value) => SqliteTime.Format(value);

    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => SqliteTime.Parse(reader.GetString(ordinal));

    protected override DbConnection Connect()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        // Waits out `strata keys` or another writer on the same file instead of failing at once.
        pragma.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static void Execute(DbConnection connection, string sql)
    {
        using var command = SqlCommands.Create(connection, sql);
        command.ExecuteNonQuery();
    }

    /// <summary>Closes the pooled connections to the file, so it can be moved or deleted.</summary>
    public override void Dispose()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
