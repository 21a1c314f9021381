using Strata.Serving.Documents;
using Strata.Serving.Security;

namespace Strata.Serving.Tests.Documents;

/// <summary>The SQLite document store: tenants never see each other's rows, deletes leave nothing behind, BM25 and exact vectors.</summary>
public sealed class SqliteDocumentStoreTests : IDisposable
{
    private readonly string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "documents.db");
    private readonly SqliteDocumentStore store;

    public SqliteDocumentStoreTests() => store = SqliteDocumentStore.Open(path);

    public void Dispose() => store.Dispose();

    private const string Text = "The crown jewels are kept in the Tower.\n\nBread is baked from flour, water and yeast.\n\nThe king wore the crown.";

    /// <summary>The three paragraphs of <see cref="Text"/> as chunks, with unit vectors along three axes.</summary>
    private static List<NewChunk> Chunks(bool vectors = true)
    {
        var chunks = new List<NewChunk>();
        int start = 0, axis = 0;
        foreach (string paragraph in Text.Split("\n\n"))
        {
            int at = Text.IndexOf(paragraph, start, StringComparison.Ordinal);
            float[]? vector = vectors ? new float[4] : null;
            if (vector is not null) vector[axis++] = 2;   // stored normalised
            chunks.Add(new NewChunk(at, at + paragraph.Length, paragraph, null, vector));
            start = at + paragraph.Length;
        }
        return chunks;
    }

    [Fact]
    public void AddedDocumentsAreListedFoundAndReadBack()
    {
        var first = store.Add("acme", "a.txt", "text/plain", Text, Chunks(), "bge");
        var second = store.Add("acme", "b.md", "text/markdown", "Only one chunk here.", [new NewChunk(0, 20, "Only one chunk here.", "Intro", new float[] { 0, 0, 0, 1 })], "bge");
        Assert.Equal(new[] { first.Id, second.Id }.Order(), store.List("acme").Select(d => d.Id).Order());
        Assert.Equal(first, store.Find("acme", first.Id));
        Assert.Equal(Text, store.Text("acme", first.Id));
        Assert.Equal(3, first.Chunks);
        Assert.Equal(Text.Length, first.Characters);
    }

    [Fact]
    public void AnotherTenantCannotListReadSearchOrDelete()
    {
        var secret = store.Add("acme", "secret.txt", "text/plain", Text, Chunks(), "bge");
        store.Add("globex", "other.txt", "text/plain", "Nothing about jewels.", [new NewChunk(0, 21, "Nothing about jewels.", null, new float[] { 1, 0, 0, 0 })], "bge");

        Assert.DoesNotContain(store.List("globex"), d => d.Id == secret.Id);
        Assert.Null(store.Find("globex", secret.Id));
        Assert.Null(store.Text("globex", secret.Id));
        Assert.False(store.Delete("globex", secret.Id));
        Assert.All(store.SearchText("globex", "crown jewels tower", 10), h => Assert.NotEqual(secret.Id, h.DocumentId));
        Assert.All(store.SearchVectors("globex", [1, 0, 0, 0], "bge", 10), h => Assert.NotEqual(secret.Id, h.DocumentId));
        // Tenant names that look like patterns or SQL match nothing of acme's.
        foreach (string tenant in new[] { "%", "acm_", "ACME", "acme' OR '1'='1" })
        {
            Assert.Empty(store.List(tenant));
            Assert.Empty(store.SearchText(tenant, "crown", 10));
        }
        Assert.NotNull(store.Find("acme", secret.Id));
    }

    [Fact]
    public void DeleteRemovesTheDocumentItsChunksAndItsVectors()
    {
        var doc = store.Add("acme", "a.txt", "text/plain", Text, Chunks(), "bge");
        Assert.NotEmpty(store.SearchText("acme", "crown", 10));
        Assert.NotEmpty(store.SearchVectors("acme", [1, 0, 0, 0], "bge", 10));
        Assert.True(store.Delete("acme", doc.Id));
        Assert.Empty(store.SearchText("acme", "crown", 10));
        Assert.Empty(store.SearchVectors("acme", [1, 0, 0, 0], "bge", 10));
        Assert.Null(store.Find("acme", doc.Id));
        Assert.False(store.Delete("acme", doc.Id));
    }

    [Fact]
    public void Bm25RanksTheChunksThatHoldTheQueryTermsAndTreatsSyntaxAsWords()
    {
        var doc = store.Add("acme", "a.txt", "text/plain", Text, Chunks(vectors: false), null);
        var hits = store.SearchText("acme", "Where are the crown jewels kept?", 10);
        Assert.Equal(0, hits[0].Index);   // "jewels", "are" and "kept" occur only in the first paragraph
        Assert.Equal(doc.Id, hits[0].DocumentId);
        Assert.Equal(Text[hits[0].Start..hits[0].End], hits[0].Text);
        Assert.DoesNotContain(hits, h => h.Index == 1);
        Assert.Equal(1, store.SearchText("acme", "BREAD", 10).Single().Index);
        // FTS5 operators in user text are words, never syntax (and never an error).
        foreach (string query in new[] { "crown AND NOT bread", "NEAR(crown tower)", "\"unbalanced", "*", "crown*", "-bread", "^king" })
        {
            _ = store.SearchText("acme", query, 10);
        }
        Assert.Empty(store.SearchText("acme", "?!", 10));
    }

    [Fact]
    public void VectorSearchIsExactCosineOrder()
    {
        var random = new Random(5);
        var chunks = Enumerable.Range(0, 40).Select(i =>
            new NewChunk(0, 5, $"c{i}", null, Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble() - 0.5f).ToArray())).ToList();
        store.Add("acme", "v.txt", "text/plain", "chunk", chunks, "e5");
        float[] query = Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var expected = chunks.Select((c, i) => (i, Cosine(query, c.Vector!))).OrderByDescending(x => x.Item2).Take(7).ToList();
        var hits = store.SearchVectors("acme", query, "e5", 7);
        Assert.Equal(expected.Select(e => e.i), hits.Select(h => h.Index));
        for (int i = 0; i < 7; i++) Assert.Equal(expected[i].Item2, hits[i].Score, 5);
        Assert.Empty(store.SearchVectors("acme", query, "another-embedder", 7));
    }

    [Fact]
    public void AnotherProcessesWritesAreSeenByTheVectorCache()
    {
        Assert.Empty(store.SearchVectors("acme", [1, 0, 0, 0], "bge", 5));   // caches the (empty) tenant
        using (var other = SqliteDocumentStore.Open(path)) other.Add("acme", "a.txt", "text/plain", Text, Chunks(), "bge");
        Assert.Equal(3, store.SearchVectors("acme", [1, 0, 0, 0], "bge", 5).Count);
    }

    [Fact]
    public void AFailedAddStoresNothing()
    {
        var chunks = Chunks();
        chunks.Add(new NewChunk(10, Text.Length + 5, "beyond the text", null, new float[4]));
        Assert.Throws<ArgumentException>(() => store.Add("acme", "bad.txt", "text/plain", Text, chunks, "bge"));
        Assert.Empty(store.List("acme"));
        Assert.Empty(store.SearchText("acme", "crown", 5));
    }

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

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }
}
