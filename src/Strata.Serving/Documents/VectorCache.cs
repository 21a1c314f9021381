using Strata.Models.Inference;
namespace Strata.Serving.Documents;

/// <summary>
/// A store's chunk vectors held in memory per tenant and embedder, because exact search reads every one of them per
/// query. An entry stays valid while the tenant's generation — a counter that every add and delete bumps in its own
/// transaction, whichever process or replica makes it — is the one the entry was read at.
/// </summary>
internal sealed class VectorCache
{
    /// <summary>One tenant's vectors by one embedder: row-major unit vectors (Rows.Length × Width) and their chunk ids.</summary>
    public sealed record Entry(long Generation, long[] Rows, float[] Matrix, int Width);

    private readonly Lock gate = new();
    private readonly Dictionary<(string Tenant, string Embedder), Entry> entries = [];

    /// <summary>The cached entry when it was read at <paramref name="generation"/>, else a fresh one.</summary>
    /// <param name="read">
    /// The tenant's (chunk id, unit vector) pairs by the embedder, in id order. It must read after the generation was,
    /// so that the entry is never older than the generation it is filed under. Runs outside the lock: two readers of a
    /// stale entry may both read, which costs time, never correctness.
    /// </param>
    public Entry Get(string tenant, string embedder, long generation, Func<IEnumerable<(long Row, float[] Vector)>> read)
    {
        lock (gate)
        {
            if (entries.TryGetValue((tenant, embedder), out var cached) && cached.Generation == generation) return cached;
        }
        var rows = new List<long>();
        var matrix = new List<float>();
        int width = 0;
        foreach (var (row, vector) in read())
        {
            if (width == 0) width = vector.Length;
            if (vector.Length != width) continue;   // an embedder name reused for another width: skip, do not mix
            rows.Add(row);
            matrix.AddRange(vector);
        }
        var fresh = new Entry(generation, rows.ToArray(), matrix.ToArray(), width);
        lock (gate) entries[(tenant, embedder)] = fresh;
        return fresh;
    }

    /// <summary>The chunk ids nearest to <paramref name="query"/> by cosine similarity, best first.</summary>
    /// <exception cref="ArgumentException">The query's width is not the stored vectors'.</exception>
    public static IReadOnlyList<(long Row, double Score)> Nearest(Entry entry, float[] query, string embedder, int limit)
    {
        if (entry.Rows.Length == 0 || limit <= 0) return [];
        if (query.Length != entry.Width) throw new ArgumentException($"the query vector has {query.Length} dimensions; {embedder}'s chunks have {entry.Width}");
        return VectorSearch.TopK(Pooling.Normalised(query), entry.Matrix, entry.Width, limit).Select(b => (entry.Rows[b.Row], b.Score)).ToList();
    }

    /// <summary>The hits read back for <paramref name="nearest"/>, in its order with its scores.</summary>
    public static IReadOnlyList<ChunkHit> InOrder(IReadOnlyList<(long Row, double Score)> nearest, IReadOnlyDictionary<long, ChunkHit> hits) =>
        // A chunk deleted since the entry was read is simply missing from the hits.
        nearest.Where(b => hits.ContainsKey(b.Row)).Select(b => hits[b.Row] with { Score = b.Score }).ToList();
}
