using System.Data.Common;
using Npgsql;
using Strata.Serving.Storage;

namespace Strata.Serving.Security;

/// <summary>
/// The key store in a PostgreSQL database, for several server replicas behind one load balancer: a key created or
/// revoked through any of them (or <c>strata keys --store postgres://…</c>) counts on every replica's next request.
/// The database must exist; its tables are created on first open.
/// </summary>
internal sealed class PostgresApiKeyStore : SqlApiKeyStore
{
    private const int SchemaVersion = 1;

    // This store's row in strata_schema. Later per-tenant data gets rows of its own, each versioned separately.
    private const string Component = "api_keys";

    // The pg_advisory_xact_lock key every Strata takes before creating or upgrading tables: any constant they agree
    // on, here "strata" in ASCII. Advisory locks are per database, so stores in different databases never wait.
    private const long SchemaLock = 0x737472617461;

    private readonly NpgsqlDataSource dataSource;

    private PostgresApiKeyStore(StoreLocation.Postgres location, TimeProvider time) : base(location, time)
    {
        // Named, so that a DBA's pg_stat_activity says which connections are Strata's.
        var builder = new NpgsqlConnectionStringBuilder(location.ConnectionString);
        builder.ApplicationName ??= "strata";
        dataSource = NpgsqlDataSource.Create(builder);
    }

    // An identity column: PostgreSQL's rows have no stable insertion order of their own (ctid changes on update).
    protected override string InsertionOrder => "seq";

    /// <summary>Connects, and creates or checks the tables.</summary>
    /// <exception cref="IOException">The server cannot be reached, refuses the login, or has no such database.</exception>
    /// <exception cref="InvalidDataException">The tables were written by a newer Strata.</exception>
    public static PostgresApiKeyStore Open(StoreLocation.Postgres location, TimeProvider time)
    {
        var store = new PostgresApiKeyStore(location, time);
        try
        {
            store.EnsureSchema();
            return store;
        }
        catch (NpgsqlException e)
        {
            store.Dispose();
            // Npgsql's messages name the host or the server's complaint, never the password; the location hides it too.
            throw new IOException($"{location}: cannot open the key store: {e.Message}", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private void EnsureSchema()
    {
        using var connection = dataSource.OpenConnection();
        // The usual case, a database already set up, takes no lock and no DDL, so servers may log in as a role
        // that can read and write rows but not create tables.
        if (CheckVersion(connection) == SchemaVersion) return;

        using var transaction = connection.BeginTransaction();
        // Replicas starting together create the tables one after another: CREATE TABLE IF NOT EXISTS is not safe
        // on its own, as two sessions can both find the table missing and the second then fails on a duplicate.
        Execute(connection, "SELECT pg_advisory_xact_lock(@lock)", ("lock", SchemaLock));
        Execute(connection, "CREATE TABLE IF NOT EXISTS strata_schema (component text PRIMARY KEY, version integer NOT NULL)");
        if (CheckVersion(connection) == SchemaVersion)
        {
            transaction.Commit(); // another replica finished first
            return;
        }
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS api_keys (
                seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
                id           text PRIMARY KEY,
                tenant       text NOT NULL,
                name         text,
                prefix       text NOT NULL,
                hash         bytea NOT NULL,
                created_at   timestamptz NOT NULL,
                revoked_at   timestamptz,
                last_used_at timestamptz
            );
            CREATE INDEX IF NOT EXISTS api_keys_prefix ON api_keys (prefix);
            CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant, created_at, seq);
            """);
        Execute(connection, """
            INSERT INTO strata_schema (component, version) VALUES (@component, @version)
            ON CONFLICT (component) DO UPDATE SET version = excluded.version
            """, ("component", Component), ("version", SchemaVersion));
        transaction.Commit();
    }

    /// <summary>The api_keys version recorded in the database; 0 when there is none yet.</summary>
    /// <exception cref="InvalidDataException">A newer Strata wrote it.</exception>
    private int CheckVersion(NpgsqlConnection connection)
    {
        using (var exists = Command(connection, "SELECT to_regclass('strata_schema') IS NOT NULL"))
        {
            if (exists.ExecuteScalar() is not true) return 0;
        }
        using var select = Command(connection, "SELECT version FROM strata_schema WHERE component = @component", ("component", Component));
        int version = select.ExecuteScalar() is int v ? v : 0;
        if (version > SchemaVersion)
        {
            throw new InvalidDataException($"{Location}: key store schema {version} was written by a newer Strata (this one reads {SchemaVersion})");
        }
        return version;
    }

    private static void Execute(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    // timestamptz keeps microseconds, so the milliseconds written come back exactly; Npgsql reads them as UTC.
    protected override object ToDatabase(DateTimeOffset value) => value;

    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    protected override DbConnection Connect() => dataSource.OpenConnection();

    /// <summary>Closes the pooled connections.</summary>
    public override void Dispose() => dataSource.Dispose();
}
