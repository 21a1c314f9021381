using Npgsql;
using Strata.Serving.Arena;
using Strata.Serving.Documents;
using Strata.Serving.Security;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Arena;

/// <summary>
/// The arena store in PostgreSQL, on a real server (<see cref="PostgresCluster"/>): <see cref="ArenaStoreContract"/>,
/// and what replicas sharing one database need. Each test gets its own schema in this class's database.
/// </summary>
public sealed class PostgresArenaStoreTests(PostgresDatabase database) : ArenaStoreContract, IClassFixture<PostgresDatabase>
{
    protected override StoreLocation NewLocation() => StoreLocation.Parse(database.NewSchema());

    [Fact]
    public async Task ReplicasCreatingEveryStoreTogetherAllSucceed()
    {
        var location = NewLocation();
        using var start = new Barrier(6);
        var opening = Enumerable.Range(0, 6).Select(i => Task.Run<IDisposable>(() =>
        {
            start.SignalAndWait();
            return (i % 3) switch { 0 => ArenaStores.Open(location), 1 => ApiKeyStores.Open(location), _ => DocumentStores.Open(location) };
        })).ToArray();
        var stores = await Task.WhenAll(opening);
        try
        {
            var arenas = stores.OfType<IArenaStore>().ToList();
            var battle = NewBattle();
            arenas[0].AddBattle(battle);
            AssertSame(battle, arenas[1].Find("acme", battle.Id));
            Assert.Equal(3L, Scalar(location, "SELECT count(*) FROM strata_schema WHERE version = 1 AND component IN ('arena', 'documents', 'api_keys')"));
        }
        finally
        {
            foreach (var store in stores) store.Dispose();
        }
    }

    [Fact]
    public void RefusesTablesWrittenByANewerStrata()
    {
        _ = Store;
        PostgresDatabase.Execute(((StoreLocation.Postgres)Location).ConnectionString, "UPDATE strata_schema SET version = 99 WHERE component = 'arena'");
        var e = Assert.Throws<InvalidDataException>(() => ArenaStores.Open(Location));
        Assert.Contains("arena store schema 99 was written by a newer Strata", e.Message);
    }

    [Fact]
    public void AnUnreachableDatabaseIsAnErrorNamingItWithoutItsPassword()
    {
        var server = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "no_such_database", Password = "hunter2" };
        var e = Assert.Throws<IOException>(() => ArenaStores.Open(new StoreLocation.Postgres(server.ConnectionString)));
        Assert.Contains("cannot open the arena store", e.Message);
        Assert.Contains("no_such_database", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
    }

    private static object? Scalar(StoreLocation location, string sql) =>
        PostgresDatabase.Scalar(((StoreLocation.Postgres)location).ConnectionString, sql);
}
