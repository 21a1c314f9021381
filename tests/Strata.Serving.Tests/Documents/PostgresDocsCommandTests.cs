using Npgsql;
using Strata.Serving.Storage;
using Strata.Serving.Tests.Keys;

namespace Strata.Serving.Tests.Documents;

/// <summary><c>strata docs</c> and <c>strata serve</c> with <c>--documents postgres://…</c>, on a real server (<see cref="PostgresCluster"/>).</summary>
public sealed class PostgresDocsCommandTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public Task AddListSearchRemoveThroughAUrl() => DocsCommandTests.AssertAddListSearchRemove(PostgresDatabase.ToUrl(database.NewSchema()));

    [Fact]
    public async Task ErrorsNameTheDatabaseWithoutItsPassword()
    {
        string url = PostgresDatabase.ToUrl(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "no_such_database", Password = "hunter2" }.ConnectionString);
        string file = Path.Combine(TestPaths.NewTemporaryDirectory(), "a.txt");
        File.WriteAllText(file, "words");
        foreach (string[] args in new[]
        {
            new[] { "docs", "list", "--tenant", "acme", "--documents", url },
            ["docs", "add", file, "--tenant", "acme", "--documents", url],
            ["serve", "--model", "unused", "--port", "0", "--documents", url], // the store is opened before any model loads
        })
        {
            var run = await KeysCommandTests.Strata(args);
            Assert.Equal(1, run.Code);
            Assert.StartsWith($"error: {StoreLocation.Parse(url)}: cannot open the document store", run.Error);
            Assert.DoesNotContain("hunter2", run.Output + run.Error);
        }
    }
}
