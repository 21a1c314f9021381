namespace Strata.Serving.Documents;

/// <summary>
/// Documents and their chunks, per tenant. Every call names the tenant and sees only that tenant's rows: a document id
/// of another tenant is "not found", never "forbidden" (which would confirm it exists). Adding is atomic — a document
/// is stored with all its chunks or not at all — and deleting removes its chunks, text index entries and vectors.
/// </summary>
public interface IDocumentStore : IDisposable
{
    /// <summary>Where the store lives, for logs (no secrets).</summary>
    string Description { get; }

    StoredDocument Add(string tenant, string name, string mediaType, string text, IReadOnlyList<NewChunk> chunks, string? embedder);

    /// <summary>The tenant's documents, newest first.</summary>
    IReadOnlyList<StoredDocument> List(string tenant, int limit = 100, int offset = 0);

    StoredDocument? Find(string tenant, string id);

    /// <summary>The document's extracted text, or null when the tenant has no such document.</summary>
    string? Text(string tenant, string id);

    bool Delete(string tenant, string id);

    /// <summary>Full-text search over the tenant's chunks, any of the query's words matching (BM25 in SQLite, <c>ts_rank</c> in PostgreSQL).</summary>
    IReadOnlyList<ChunkHit> SearchText(string tenant, string query, int limit);

    /// <summary>Exact nearest chunks by cosine similarity, among the tenant's chunks embedded by <paramref name="embedder"/>.</summary>
    IReadOnlyList<ChunkHit> SearchVectors(string tenant, float[] query, string embedder, int limit);
}
