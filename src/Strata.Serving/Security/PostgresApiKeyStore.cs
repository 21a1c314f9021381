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

    // This store's row in strata_schema; other components (documents) have rows of their own, versioned separately.
    private const string Component = "api_keys";

    private readonly NpgsqlDataSource dataSource;

    private PostgresApiKeyStore(StoreLocation.Postgres location, TimeProvider time) : base(location, time) => dataSource = location.CreateDataSource();

    // An identity column: PostgreSQL's rows have no stable insertion order of their own (ctid changes on update).
    protected override string InsertionOrder => "seq";

    /// <summary>Connects, and creates or checks the tables.</summary>
    /// <exception cref="IOException">The server cannot be reached, refuses the login, or has no such database.</exception>
    /// <exception cref="InvalidDataException">The tables were written by a newer Strata.</exception>
    public static PostgresApiKeyStore Open(StoreLocation.Postgres location, TimeProvider time)
    {
        return PostgresSchema.Ready(new PostgresApiKeyStore(location, time), location, "key store", s => s.EnsureSchema());
    }

    private void EnsureSchema() => PostgresSchema.Ensure(dataSource, Location, Component, SchemaVersion, "key store", """
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

    // timestamptz keeps microseconds, so the milliseconds written come back exactly; Npgsql reads them as UTC.
    protected override object ToDatabase(DateTimeOffset value) => value;

    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    protected override DbConnection Connect() => dataSource.OpenConnection();

    /// <summary>Closes the pooled connections.</summary>
    public override void Dispose() => dataSource.Dispose();
}
