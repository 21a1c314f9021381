using Strata.Serving.Documents;
using Strata.Serving.Security;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Documents;

/// <summary>The SQLite document store: <see cref="DocumentStoreContract"/>, and sharing its file with the key store.</summary>
public sealed class SqliteDocumentStoreTests : DocumentStoreContract
{
    protected override StoreLocation NewLocation() => new StoreLocation.Sqlite(Path.Combine(TestPaths.NewTemporaryDirectory(), "documents.db"));

    [Fact]
    public void OneSqliteFileHoldsKeysAndDocuments()
    {
        string shared = Path.Combine(TestPaths.NewTemporaryDirectory(), "strata.db");
        using var keys = ApiKeyStores.Open(shared);
        var key = keys.Create("acme", "ci");
        using var documents = SqliteDocumentStore.Open(shared);
        var doc = documents.Add("acme", "a.txt", "text/plain", Text, Chunks(), "bge");
        using var reopenedKeys = ApiKeyStores.Open(shared);
        Assert.NotNull(reopenedKeys.Authenticate(key.Key));
        using var reopened = SqliteDocumentStore.Open(shared);
        Assert.NotNull(reopened.Find("acme", doc.Id));
    }

    [Fact]
    public void AFileThatIsNotADatabaseIsRefusedByName()
    {
        string bad = Path.Combine(TestPaths.NewTemporaryDirectory(), "bad.db");
        File.WriteAllText(bad, "this is not sqlite, just some text that is long enough to have a header");
        Assert.Contains(bad, Assert.Throws<InvalidDataException>(() => SqliteDocumentStore.Open(bad)).Message);
    }
}
