using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Strata.Serving.Storage;

namespace Strata.Serving.Security;

/// <summary>
/// The key store in a SQLite file (<c>~/.strata/keys.db</c> by default): the embedded default for one server and the
/// <c>strata keys</c> beside it. WAL mode lets the server keep authenticating while <c>strata keys</c> writes.
/// </summary>
internal sealed class SqliteApiKeyStore : SqlApiKeyStore
{
    private const int SchemaVersion = 1;

    private readonly string connectionString;

    private SqliteApiKeyStore(StoreLocation.Sqlite location, TimeProvider time) : base(location, time)
    {
        Path = location.Path;
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = location.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
    }

    /// <summary>Full path of the SQLite file.</summary>
    public string Path { get; }

    // SQLite's rowid is max(rowid) + 1 on each insert, and this store never deletes rows, so it is insertion order.
    protected override string InsertionOrder => "rowid";

    /// <summary>Opens the store, creating the file, its directory and the schema when missing.</summary>
    /// <exception cref="InvalidDataException">The file is not a SQLite database, or was written by a newer Strata.</exception>
    public static SqliteApiKeyStore Open(StoreLocation.Sqlite location, TimeProvider time)
    {
        SqliteFile.CreatePrivately(location.Path);
        return SqliteFile.Ready(new SqliteApiKeyStore(location, time), location.Path, "key store", s => s.EnsureSchema());
    }

    private void EnsureSchema()
    {
        using var connection = Connect();
        long version = Convert.ToInt64(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidDataException($"{Path}: key store schema {version} was written by a newer Strata (this one reads {SchemaVersion})");
        }
        if (version == SchemaVersion) return;
        // WAL lets the server keep authenticating while `strata keys` writes; the setting persists in the file.
        Scalar(connection, "PRAGMA journal_mode = WAL");
        using var transaction = connection.BeginTransaction();
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS api_keys (
                id           TEXT PRIMARY KEY,
                tenant       TEXT NOT NULL,
                name         TEXT,
                prefix       TEXT NOT NULL,
                hash         BLOB NOT NULL,
                created_at   TEXT NOT NULL,
                revoked_at   TEXT,
                last_used_at TEXT
            );
            CREATE INDEX IF NOT EXISTS api_keys_prefix ON api_keys (prefix);
            CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant);
            """);
        Execute(connection, $"PRAGMA user_version = {SchemaVersion}");
        transaction.Commit();
    }

    // Fixed-width UTC text: readable in the sqlite3 shell and ordered correctly by string comparison.
    protected override object ToDatabase(DateTimeOffset value) => SqliteTime.Format(value);

    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => SqliteTime.Parse(reader.GetString(ordinal));

    protected override DbConnection Connect()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    private static object? Scalar(DbConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        return command.ExecuteScalar();
    }

    private static void Execute(DbConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }

    /// <summary>Closes the pooled connections to the file, so it can be moved or deleted.</summary>
    public override void Dispose()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
