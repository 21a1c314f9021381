using Strata.Serving.Documents;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Documents;

/// <summary>
/// What every document store does, whatever holds it: tenants never see each other's rows, deletes leave nothing
/// behind, full-text search treats query syntax as words, vector search is exact. Run once per store by
/// <see cref="SqliteDocumentStoreTests"/> and <see cref="PostgresDocumentStoreTests"/>, which add what only theirs has.
/// </summary>
public abstract class DocumentStoreContract : IDisposable
{
    private readonly List<IDocumentStore> opened = [];
    private StoreLocation? location;
    private IDocumentStore? store;

    /// <summary>A place no store has been opened at yet.</summary>
    protected abstract StoreLocation NewLocation();

    /// <summary>This test's location, made on first use.</summary>
    protected StoreLocation Location => location ??= NewLocation();

    /// <summary>This test's store at <see cref="Location"/>, opened on first use.</summary>
    protected IDocumentStore Store => store ??= Open(Location);

    /// <summary>Another instance at <paramref name="at"/>, disposed with the test.</summary>
    protected IDocumentStore Open(StoreLocation at)
    {
        var opening = DocumentStores.Open(at);
        opened.Add(opening);
        return opening;
    }

    public void Dispose()
    {
        foreach (var s in opened) s.Dispose();
        GC.SuppressFinalize(this);
    }

    protected const string Text = "The crown jewels are kept in the Tower.\n\nBread is baked from flour, water and yeast.\n\nThe king wore the crown.";

    /// <summary>The three paragraphs of <see cref="Text"/> as chunks, with unit vectors along three axes.</summary>
    protected static List<NewChunk> Chunks(bool vectors = true)
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
        var first = Store.Add("acme", "a.txt", "text/plain", Text, Chunks(), "bge");
        var second = Store.Add("acme", "b.md", "text/markdown", "Only one chunk here.", [new NewChunk(0, 20, "Only one chunk here.", "Intro", new float[] { 0, 0, 0, 1 })], "bge");
        Assert.Equal(new[] { first.Id, second.Id }.Order(), Store.List("acme").Select(d => d.Id).Order());
        Assert.Equal(first, Store.Find("acme", first.Id));
        Assert.Equal(Text, Store.Text("acme", first.Id));
        Assert.Equal(3, first.Chunks);
        Assert.Equal(Text.Length, first.Characters);
        Assert.Equal("Intro", Store.SearchVectors("acme", [0, 0, 0, 1], "bge", 1).Single().Heading);
    }

    [Fact]
    public void AnotherTenantCannotListReadSearchOrDelete()
    {
        var secret = Store.Add("acme", "secret.txt", "text/plain", Text, Chunks(), "bge");
        Store.Add("globex", "other.txt", "text/plain", "Nothing about jewels.", [new NewChunk(0, 21, "Nothing about jewels.", null, new float[] { 1, 0, 0, 0 })], "bge");

        Assert.DoesNotContain(Store.List("globex"), d => d.Id == secret.Id);
        Assert.Null(Store.Find("globex", secret.Id));
        Assert.Null(Store.Text("globex", secret.Id));
        Assert.False(Store.Delete("globex", secret.Id));
        Assert.All(Store.SearchText("globex", "crown jewels tower", 10), h => Assert.NotEqual(secret.Id, h.DocumentId));
        Assert.All(Store.SearchVectors("globex", [1, 0, 0, 0], "bge", 10), h => Assert.NotEqual(secret.Id, h.DocumentId));
        // Tenant names that look like patterns or SQL, differ in case or padding, or hide a NUL match nothing of acme's.
        foreach (string tenant in new[] { "%", "acm_", "ACME", "acme ", "acme\0", "acme' OR '1'='1", "acme\\" })
        {
            Assert.Empty(Store.List(tenant));
            Assert.Null(Store.Find(tenant, secret.Id));
            Assert.False(Store.Delete(tenant, secret.Id));
            Assert.Empty(Store.SearchText(tenant, "crown", 10));
            Assert.Empty(Store.SearchVectors(tenant, [1, 0, 0, 0], "bge", 10));
        }
        Assert.NotNull(Store.Find("acme", secret.Id));
    }

    [Fact]
    public void HostileTenantNamesAreTenantsLikeAnyOther()
    {
        // Each stores a document under a name that, compared carelessly, would match another's; each sees only its own.
        string[] tenants = ["acme", "acme%", "acm_", "ACME", "a'b\"c;--", "x OR 1=1", "テナント"];
        var ids = tenants.ToDictionary(t => t, t => Store.Add(t, $"{t}.txt", "text/plain", Text, Chunks(), "bge").Id);
        foreach (string tenant in tenants)
        {
            Assert.Equal(ids[tenant], Store.List(tenant).Single().Id);
            Assert.All(Store.SearchText(tenant, "crown", 10), h => Assert.Equal(ids[tenant], h.DocumentId));
            Assert.All(Store.SearchVectors(tenant, [1, 0, 0, 0], "bge", 10), h => Assert.Equal(ids[tenant], h.DocumentId));
            Assert.All(tenants.Where(t => t != tenant), other => Assert.Null(Store.Find(tenant, ids[other])));
        }
        Assert.True(Store.Delete("acme%", ids["acme%"]));
        Assert.Equal(ids["acme"], Store.List("acme").Single().Id);
        Assert.Equal(3, Store.SearchVectors("acme", [1, 0, 0, 0], "bge", 10).Count);
    }

    [Fact]
    public void DeleteRemovesTheDocumentItsChunksAndItsVectors()
    {
        var doc = Store.Add("acme", "a.txt", "text/plain", Text, Chunks(), "bge");
        Assert.NotEmpty(Store.SearchText("acme", "crown", 10));
        Assert.NotEmpty(Store.SearchVectors("acme", [1, 0, 0, 0], "bge", 10));
        Assert.True(Store.Delete("acme", doc.Id));
        Assert.Empty(Store.SearchText("acme", "crown", 10));
        Assert.Empty(Store.SearchVectors("acme", [1, 0, 0, 0], "bge", 10));
        Assert.Null(Store.Find("acme", doc.Id));
        Assert.False(Store.Delete("acme", doc.Id));
    }

    [Fact]
    public void TextSearchRanksTheChunksThatHoldTheQueryTermsAndTreatsSyntaxAsWords()
    {
        var doc = Store.Add("acme", "a.txt", "text/plain", Text, Chunks(vectors: false), null);
        var hits = Store.SearchText("acme", "Where are the crown jewels kept?", 10);
        Assert.Equal(0, hits[0].Index);   // "jewels" and "kept" occur only in the first paragraph
        Assert.Equal(doc.Id, hits[0].DocumentId);
        Assert.Equal(Text[hits[0].Start..hits[0].End], hits[0].Text);
        Assert.DoesNotContain(hits, h => h.Index == 1);
        Assert.Equal(1, Store.SearchText("acme", "BREAD", 10).Single().Index);
        // FTS5's and tsquery's operators in user text are words, never syntax (and never an error).
        foreach (string query in new[]
        {
            "crown AND NOT bread", "NEAR(crown tower)", "\"unbalanced", "*", "crown*", "^king", "crown:*", "crown:A", "'", "''",
            "crown <-> tower", "crown <2> tower", "(crown", "crown | ", "& |", "\\", "\\'crown", "or or or", "crown\0", "!!", "",
        })
        {
            _ = Store.SearchText("acme", query, 10);
        }
        // A negation is a word like the others: "bread" is still searched for, not excluded.
        foreach (string query in new[] { "-bread", "!bread", "crown & !bread", "NOT bread" })
        {
            Assert.Contains(Store.SearchText("acme", query, 10), h => h.Index == 1);
        }
        Assert.Empty(Store.SearchText("acme", "?!", 10));
    }

    [Fact]
    public void VectorSearchIsExactCosineOrder()
    {
        var random = new Random(5);
        var chunks = Enumerable.Range(0, 40).Select(i =>
            new NewChunk(0, 5, $"c{i}", null, Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble() - 0.5f).ToArray())).ToList();
        Store.Add("acme", "v.txt", "text/plain", "chunk", chunks, "e5");
        float[] query = Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var expected = chunks.Select((c, i) => (i, Cosine(query, c.Vector!))).OrderByDescending(x => x.Item2).Take(7).ToList();
        var hits = Store.SearchVectors("acme", query, "e5", 7);
        Assert.Equal(expected.Select(e => e.i), hits.Select(h => h.Index));
        for (int i = 0; i < 7; i++) Assert.Equal(expected[i].Item2, hits[i].Score, 5);
        Assert.Empty(Store.SearchVectors("acme", query, "another-embedder", 7));
        Assert.Throws<ArgumentException>(() => Store.SearchVectors("acme", [1, 0, 0], "e5", 7));
    }

    [Fact]
    public void AnotherInstancesWritesAreSeenByTheVectorCache()
    {
        Assert.Empty(Store.SearchVectors("acme", [1, 0, 0, 0], "bge", 5));   // caches the (empty) tenant
        using (var other = DocumentStores.Open(Location)) other.Add("acme", "a.txt", "text/plain", Text, Chunks(), "bge");
        Assert.Equal(3, Store.SearchVectors("acme", [1, 0, 0, 0], "bge", 5).Count);
    }

    [Fact]
    public void AFailedAddStoresNothing()
    {
        var chunks = Chunks();
        chunks.Add(new NewChunk(10, Text.Length + 5, "beyond the text", null, new float[4]));
        Assert.Throws<ArgumentException>(() => Store.Add("acme", "bad.txt", "text/plain", Text, chunks, "bge"));
        Assert.Throws<ArgumentException>(() => Store.Add("acme", "bad.txt", "text/plain", Text, Chunks(vectors: false), "bge"));
        Assert.Empty(Store.List("acme"));
        Assert.Empty(Store.SearchText("acme", "crown", 5));
    }

    [Fact]
    public void ListsNewestFirstInPages()
    {
        var time = new Keys.ManualClock(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var timed = DocumentStores.Open(Location, time);
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(timed.Add("acme", $"{i}.txt", "text/plain", "words", [new NewChunk(0, 5, "words", null, null)], null).Id);
            time.Now += TimeSpan.FromSeconds(1);
        }
        ids.Reverse();
        Assert.Equal(ids, timed.List("acme").Select(d => d.Id));
        Assert.Equal(ids[2..4], timed.List("acme", limit: 2, offset: 2).Select(d => d.Id));
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
