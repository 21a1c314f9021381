using Strata.Serving.Registry;

namespace Strata.Serving.Documents;

/// <summary>How many chunks to return and how to find them.</summary>
/// <param name="Candidates">Chunks each search contributes before fusion (and the most the reranker reads).</param>
public sealed record RetrievalOptions(int TopN = 5, int Candidates = 40, bool Rerank = true);

/// <summary>A chunk with how each stage ranked it (1-based ranks; null where a stage did not see it).</summary>
public sealed record RetrievedChunk(ChunkHit Chunk, double Score, int? TextRank, int? VectorRank, double? RerankScore);

/// <param name="Mode">What ran: "bm25", "hybrid" (BM25 + vectors), each optionally "+rerank".</param>
public sealed record RetrievalResult(string Mode, IReadOnlyList<RetrievedChunk> Chunks);

/// <summary>
/// Hybrid retrieval over a tenant's chunks: BM25 and exact vector search, fused by reciprocal rank fusion
/// (Σ 1/(60 + rank), Cormack et al. 2009: robust without tuning weights between incomparable scores), then optionally
/// reordered by a cross-encoder. With no embedding model it is BM25 alone and says so in <see cref="RetrievalResult.Mode"/>.
/// </summary>
public sealed class Retriever(IDocumentStore store, ServedEncoder? embedder, ServedEncoder? reranker)
{
    private const int FusionK = 60;

    public ServedEncoder? Embedder => embedder;

    public ServedEncoder? Reranker => reranker;

    public async Task<RetrievalResult> RetrieveAsync(string tenant, string query, RetrievalOptions options, CancellationToken cancellationToken)
    {
        var text = store.SearchText(tenant, query, options.Candidates);
        IReadOnlyList<ChunkHit> vectors = [];
        if (embedder is not null)
        {
            var vector = await embedder.RunAsync(e => e.Embed([query], Strata.Models.Encoders.EmbeddingRole.Query)[0], cancellationToken);
            vectors = store.SearchVectors(tenant, vector, embedder.Name, options.Candidates);
        }
        var fused = new Dictionary<(string, int), (ChunkHit Hit, double Score, int? TextRank, int? VectorRank)>();
        for (int i = 0; i < text.Count; i++) fused[Key(text[i])] = (text[i], 1.0 / (FusionK + i + 1), i + 1, null);
        for (int i = 0; i < vectors.Count; i++)
        {
            var key = Key(vectors[i]);
            fused[key] = fused.TryGetValue(key, out var seen)
                ? (seen.Hit, seen.Score + 1.0 / (FusionK + i + 1), seen.TextRank, i + 1)
                : (vectors[i], 1.0 / (FusionK + i + 1), null, i + 1);
        }
        var ranked = fused.Values.OrderByDescending(f => f.Score).ThenBy(f => f.Hit.DocumentId, StringComparer.Ordinal).ThenBy(f => f.Hit.Index)
            .Select(f => new RetrievedChunk(f.Hit, f.Score, f.TextRank, f.VectorRank, null)).ToList();
        string mode = embedder is null ? "bm25" : "hybrid";
        if (options.Rerank && reranker is not null && ranked.Count > 0)
        {
            var candidates = ranked.Take(options.Candidates).ToList();
            var scores = await reranker.RunAsync(e => e.Relevance(query, candidates.Select(c => c.Chunk.Text).ToList()), cancellationToken);
            ranked = candidates.Select((c, i) => c with { RerankScore = scores[i] }).OrderByDescending(c => c.RerankScore).ToList();
            mode += "+rerank";
        }
        return new RetrievalResult(mode, ranked.Take(options.TopN).ToList());
    }

    private static (string, int) Key(ChunkHit hit) => (hit.DocumentId, hit.Index);
}
