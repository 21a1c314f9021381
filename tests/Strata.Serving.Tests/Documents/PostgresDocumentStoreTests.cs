using Npgsql;
using Strata.Serving.Documents;
using Strata.Serving.Security;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Documents;

/// <summary>
/// The document store in PostgreSQL, on a real server (<see cref="PostgresCluster"/>): <see cref="DocumentStoreContract"/>,
/// and what several replicas sharing one database need. Each test gets its own schema in this class's database.
/// </summary>
public sealed class PostgresDocumentStoreTests(PostgresDatabase database) : DocumentStoreContract, IClassFixture<PostgresDatabase>
{
    protected override StoreLocation NewLocation() => StoreLocation.Parse(database.NewSchema());

    [Fact]
    public void ReplicasSeeEachOthersAddsAndDeletesAtOnce()
    {
        var a = Open(Location);
        var b = Open(Location);
        // Both replicas have searched (and cached the tenant's vectors) before anything is written.
        foreach (var replica in new[] { a, b })
        {
            Assert.Empty(replica.SearchText("acme", "crown", 10));
            Assert.Empty(replica.SearchVectors("acme", [1, 0, 0, 0], "bge", 10));
        }

        var added = a.Add("acme", "a.txt", "text/plain", Text, Chunks(), "bge");
        Assert.Equal(added, b.Find("acme", added.Id));
        Assert.Equal([0, 2], b.SearchText("acme", "crown", 10).Select(h => h.Index).Order());
        Assert.Equal(0, b.SearchVectors("acme", [1, 0, 0, 0], "bge", 1).Single().Index);

        var second = b.Add("acme", "b.txt", "text/plain", "The crown again.", [new NewChunk(0, 16, "The crown again.", null, new float[] { 0, 0, 0, 1 })], "bge");
        Assert.Equal(second.Id, a.SearchVectors("acme", [0, 0, 0, 1], "bge", 1).Single().DocumentId);

        Assert.True(b.Delete("acme", added.Id));
        Assert.DoesNotContain(a.SearchText("acme", "crown", 10), h => h.DocumentId == added.Id);
        Assert.All(a.SearchVectors("acme", [1, 0, 0, 0], "bge", 10), h => Assert.Equal(second.Id, h.DocumentId));
        Assert.Null(a.Find("acme", added.Id));
    }

    [Fact]
    public async Task ReplicasCreatingTheSchemaTogetherAllSucceed()
    {
        // Replicas started together all find the tables missing, and open their key and document stores at once;
        // under the shared advisory lock each component's tables are created once. Several rounds, each on a fresh schema.
        for (int round = 0; round < 4; round++)
        {
            var location = NewLocation();
            using var start = new Barrier(8);
            var opening = Enumerable.Range(0, 8).Select(i => Task.Run<IDisposable>(() =>
            {
                start.SignalAndWait();
                return i % 2 == 0 ? DocumentStores.Open(location) : ApiKeyStores.Open(location);
            })).ToArray();
            var stores = await Task.WhenAll(opening);
            try
            {
                var documents = stores.OfType<IDocumentStore>().ToList();
                var added = documents[0].Add("acme", "a.txt", "text/plain", Text, Chunks(), "bge");
                Assert.All(documents, d => Assert.Equal(added.Id, d.SearchText("acme", "jewels", 5).Single().DocumentId));
                Assert.Equal(2L, Scalar(location, "SELECT count(*) FROM strata_schema WHERE version = 1 AND component IN ('documents', 'api_keys')"));
            }
            finally
            {
                foreach (var store in stores) store.Dispose();
            }
        }
    }

    [Fact]
    public void RefusesTablesWrittenByANewerStrata()
    {
        using (DocumentStores.Open(Location)) { }
        Execute(Location, "UPDATE strata_schema SET version = 99 WHERE component = 'documents'");
        var e = Assert.Throws<InvalidDataException>(() => DocumentStores.Open(Location));
        Assert.Contains("document store schema 99 was written by a newer Strata", e.Message);
        Assert.Contains(Location.Description, e.Message);
    }

    [Fact]
    public void AnUnreachableDatabaseIsAnErrorNamingItWithoutItsPassword()
    {
        var server = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "no_such_database", Password = "hunter2" };
        var e = Assert.Throws<IOException>(() => DocumentStores.Open(new StoreLocation.Postgres(server.ConnectionString)));
        Assert.Contains("no_such_database", e.Message);
        Assert.Contains("cannot open the document store", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Fact]
    public void NulCharactersBecomeReplacementCharactersSoSpansStayExact()
    {
        // PostgreSQL's text refuses NUL, which a PDF's unmapped glyphs can produce.
        const string text = "Before\0after the crown.";
        var doc = Store.Add("acme", "nul\0.txt", "text/plain", text, [new NewChunk(0, text.Length, text, "head\0ing", [1, 0, 0, 0])], "bge");
        string stored = Store.Text("acme", doc.Id)!;
        Assert.Equal(text.Replace('\0', '\uFFFD'), stored);
        var hit = Store.SearchText("acme", "crown", 1).Single();
        Assert.Equal(stored[hit.Start..hit.End], hit.Text);
        Assert.Equal("head\uFFFDing", hit.Heading);
        Assert.Equal(doc, Store.Find("acme", doc.Id));
        Assert.Throws<ArgumentException>(() => Store.Add("acme\0", "a.txt", "text/plain", Text, Chunks(), "bge"));
    }

    [Fact]
    public void TextSearchCanUseTheGinIndex()
    {
        Store.Add("acme", "a.txt", "text/plain", Text, Chunks(), "bge");
        using var connection = new NpgsqlConnection(((StoreLocation.Postgres)Location).ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SET enable_seqscan = off; EXPLAIN SELECT id FROM chunks WHERE words @@ to_tsquery('english', '''crown''')", connection);
        using var reader = command.ExecuteReader();
        var plan = new List<string>();
        while (reader.Read()) plan.Add(reader.GetString(0));
        Assert.Contains(plan, line => line.Contains("chunks_words", StringComparison.Ordinal));
    }

    private static object? Scalar(StoreLocation location, string sql) =>
        PostgresDatabase.Scalar(((StoreLocation.Postgres)location).ConnectionString, sql);

    private static void Execute(StoreLocation location, string sql) =>
        PostgresDatabase.Execute(((StoreLocation.Postgres)location).ConnectionString, sql);
}
