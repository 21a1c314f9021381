using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Strata.Serving.Security;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Keys;

/// <summary>
/// The key store in PostgreSQL, on a real server (<see cref="PostgresCluster"/>): <see cref="ApiKeyStoreContract"/>,
/// and what several replicas sharing one database need. Each test gets its own schema in this class's database.
/// </summary>
public sealed class PostgresApiKeyStoreTests(PostgresDatabase database) : ApiKeyStoreContract, IClassFixture<PostgresDatabase>
{
    protected override StoreLocation NewLocation() => StoreLocation.Parse(database.NewSchema());

    [Fact]
    public async Task ReplicasCreatingTheSchemaTogetherAllSucceed()
    {
        // Replicas started together all find the tables missing; without the advisory lock, CREATE TABLE IF NOT
        // EXISTS races and one fails with a duplicate key in pg_type. Several rounds, each on a fresh schema.
        for (int round = 0; round < 5; round++)
        {
            var location = NewLocation();
            using var start = new Barrier(6);
            var opening = Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                return ApiKeyStores.Open(location);
            })).ToArray();
            var stores = await Task.WhenAll(opening);
            try
            {
                var created = stores[0].Create("acme", null);
                Assert.All(stores, s => Assert.Equal("acme", s.Authenticate(created.Key)?.Tenant));
                string schema = new NpgsqlConnectionStringBuilder(((StoreLocation.Postgres)location).ConnectionString).SearchPath!;
                Assert.Equal(1, Scalar(location, $"SELECT version FROM {schema}.strata_schema WHERE component = 'api_keys'"));
            }
            finally
            {
                foreach (var store in stores) store.Dispose();
            }
        }
    }

    [Fact]
    public void PlaintextKeyNeverReachesTheDatabase()
    {
        var location = NewLocation();
        var keys = new List<CreatedKey>();
        using (var store = ApiKeyStores.Open(location))
        {
            for (int i = 0; i < 3; i++) keys.Add(store.Create($"tenant-{i}", $"name-{i}"));
            foreach (var key in keys) Assert.NotNull(store.Authenticate(key.Key)); // also writes last_used_at
            Assert.True(store.Revoke(keys[0].Record.Id));
        }
        // Every row as PostgreSQL prints it; bytea comes out as \x followed by lowercase hex.
        string rows = (string)Scalar(location, "SELECT string_agg(k::text, E'\\n') FROM api_keys k")!;
        foreach (var key in keys)
        {
            Assert.DoesNotContain(key.Key, rows);
            Assert.DoesNotContain(key.Key[16..], rows); // not even the secret part
            Assert.Contains(key.Record.Prefix, rows);
            Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.Key))), rows);
        }
    }

    [Fact]
    public void RefusesTablesWrittenByANewerStrata()
    {
        var location = NewLocation();
        using (ApiKeyStores.Open(location)) { }
        Execute(location, "UPDATE strata_schema SET version = 99 WHERE component = 'api_keys'");
        var e = Assert.Throws<InvalidDataException>(() => ApiKeyStores.Open(location));
        Assert.Contains("newer Strata", e.Message);
        Assert.Contains(location.Description, e.Message);
    }

    [Fact]
    public void AnOpenedDatabaseNeedsNoRightToCreateTables()
    {
        // Servers may log in as a role that reads and writes rows but owns nothing; only the first open creates.
        var location = NewLocation();
        using (ApiKeyStores.Open(location)) { }
        var owner = new NpgsqlConnectionStringBuilder(((StoreLocation.Postgres)location).ConnectionString);
        string role = "strata_app_" + Guid.NewGuid().ToString("N")[..12];
        string password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        string schema = owner.SearchPath!;
        PostgresDatabase.Execute(owner.ConnectionString, $"""
            CREATE ROLE {role} LOGIN PASSWORD '{password}';
            GRANT CONNECT ON DATABASE {owner.Database} TO {role};
            GRANT USAGE ON SCHEMA {schema} TO {role};
            GRANT SELECT ON {schema}.strata_schema TO {role};
            GRANT SELECT, INSERT, UPDATE ON {schema}.api_keys TO {role};
            """);
        try
        {
            var app = new NpgsqlConnectionStringBuilder(owner.ConnectionString) { Username = role, Password = password };
            using var store = ApiKeyStores.Open(new StoreLocation.Postgres(app.ConnectionString));
            var created = store.Create("acme", null);
            Assert.Equal("acme", store.Authenticate(created.Key)?.Tenant);
            Assert.True(store.Revoke(created.Record.Id));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            PostgresDatabase.Execute(owner.ConnectionString, $"DROP OWNED BY {role}; DROP ROLE {role};");
        }
    }

    [Fact]
    public void AnUnreachableDatabaseIsAnErrorNamingItWithoutItsPassword()
    {
        var server = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "no_such_database", Password = "hunter2" };
        var location = new StoreLocation.Postgres(server.ConnectionString);
        var e = Assert.Throws<IOException>(() => ApiKeyStores.Open(location));
        Assert.Contains("no_such_database", e.Message);
        Assert.Contains("cannot open the key store", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.DoesNotContain("hunter2", location.ToString());
        // A database, unlike a SQLite file, is never "not there yet": failing to reach it must not read as "no keys".
        Assert.Throws<IOException>(() => ApiKeyStores.OpenExisting(location));
    }

    private static object? Scalar(StoreLocation location, string sql) =>
        PostgresDatabase.Scalar(((StoreLocation.Postgres)location).ConnectionString, sql);

    private static void Execute(StoreLocation location, string sql) =>
        PostgresDatabase.Execute(((StoreLocation.Postgres)location).ConnectionString, sql);
}
