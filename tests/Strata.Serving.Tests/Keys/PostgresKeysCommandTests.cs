using Npgsql;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Keys;

/// <summary><c>strata keys</c> and <c>strata serve</c> with <c>--store postgres://…</c>, on a real server (<see cref="PostgresCluster"/>).</summary>
public sealed class PostgresKeysCommandTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static Task<(int Code, string Output, string Error)> Strata(params string[] args) => KeysCommandTests.Strata(args);

    /// <summary>A URL naming a database that does not exist, with a password that must never be printed.</summary>
    private string UnreachableUrl() => PostgresDatabase.ToUrl(
        new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "no_such_database", Password = "hunter2" }.ConnectionString);

    [Fact]
    public Task CreateListRevokeListThroughAUrl() => KeysCommandTests.AssertCreateListRevokeList(PostgresDatabase.ToUrl(database.NewSchema()));

    [Fact]
    public async Task KeyStoreIsAnAliasOfStore()
    {
        string url = PostgresDatabase.ToUrl(database.NewSchema());
        var create = await Strata("keys", "create", "--tenant", "acme", "--key-store", url);
        Assert.True(create.Code == 0, create.Error);
        Assert.Contains("acme", (await Strata("keys", "list", "--store", url)).Output);
        Assert.Contains("No keys", (await Strata("keys", "list", "--store", PostgresDatabase.ToUrl(database.NewSchema()))).Output);
    }

    [Fact]
    public async Task ErrorsNameTheStoreWithoutItsPassword()
    {
        string url = UnreachableUrl();
        foreach (string[] args in new[]
        {
            new[] { "keys", "list", "--store", url },
            ["keys", "create", "--tenant", "acme", "--store", url],
            ["keys", "revoke", "key_123456789abc", "--store", url],
            ["serve", "--model", "unused", "--port", "0", "--store", url], // the store is opened before any model loads
        })
        {
            var run = await Strata(args);
            Assert.Equal(1, run.Code);
            Assert.StartsWith($"error: {StoreLocation.Parse(url)}: ", run.Error);
            Assert.Contains("/no_such_database", run.Error);
            Assert.Contains("cannot open the key store", run.Error);
            Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain("hunter2", run.Output + run.Error);
        }

        var malformed = await Strata("keys", "list", "--store", "postgres://ann:hunter2@db:notaport/strata");
        Assert.Equal(1, malformed.Code);
        Assert.Equal("error: Store 'postgres://ann:***@db:notaport/strata' is invalid: port 'notaport' is not a number from 1 to 65535 (Parameter 'value')", malformed.Error.Trim());
    }
}
