using Strata.Serving.Arena;
using Strata.Serving.Documents;
using Strata.Serving.Security;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Arena;

/// <summary>The SQLite arena store: <see cref="ArenaStoreContract"/>, and sharing its file with the key and document stores.</summary>
public sealed class SqliteArenaStoreTests : ArenaStoreContract
{
    protected override StoreLocation NewLocation() => new StoreLocation.Sqlite(Path.Combine(TestPaths.NewTemporaryDirectory(), "strata.db"));

    [Fact]
    public void OneSqliteFileHoldsKeysDocumentsAndBattlesWhicheverOpensItFirst()
    {
        string shared = Path.Combine(TestPaths.NewTemporaryDirectory(), "nested", "strata.db");
        var battle = NewBattle();
        using (var arena = ArenaStores.Open(new StoreLocation.Sqlite(shared)))
        {
            arena.AddBattle(battle);
        }
        using var keys = ApiKeyStores.Open(shared);
        var key = keys.Create("acme", "ci");
        using var documents = SqliteDocumentStore.Open(shared);
        documents.Add("acme", "a.txt", "text/plain", "text", [], null);
        using var reopened = ArenaStores.Open(new StoreLocation.Sqlite(shared));
        AssertSame(battle, reopened.Find("acme", battle.Id));
        Assert.NotNull(keys.Authenticate(key.Key));
        if (!OperatingSystem.IsWindows())
        {
            // Created private to its owner, as the key store creates it: battles hold tenants' conversations.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(shared));
        }
    }

    [Fact]
    public void RefusesAFileThatIsNotADatabaseAndTablesFromANewerStrata()
    {
        string bad = Path.Combine(TestPaths.NewTemporaryDirectory(), "bad.db");
        File.WriteAllText(bad, "this is not sqlite, just some text that is long enough to have a header");
        Assert.Contains(bad, Assert.Throws<InvalidDataException>(() => ArenaStores.Open(new StoreLocation.Sqlite(bad))).Message);

        var location = (StoreLocation.Sqlite)Location;
        _ = Store;
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={location.Path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE strata_schema SET version = 99 WHERE component = 'arena'";
            command.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var e = Assert.Throws<InvalidDataException>(() => ArenaStores.Open(location));
        Assert.Contains("arena schema 99 was written by a newer Strata", e.Message);
    }
}
