using Strata.Models.Encoders;
using Strata.Serving.Api;
using Strata.Serving.Registry;

namespace Strata.Serving.Documents;

/// <summary>
/// The server's documents: the store, and the encoders that embed and rerank for it, looked up in the registry when a
/// request needs them (models load in the background). By default the first embedding model served embeds and the
/// first one-logit cross-encoder reranks; <see cref="Hosting.ServerOptions"/> can name others. With no embedding model
/// documents are stored without vectors and retrieval is BM25 alone.
/// </summary>
public sealed class DocumentService(IDocumentStore store, ModelRegistry registry, string? embedderName = null, string? rerankerName = null) : IDisposable
{
    public IDocumentStore Store => store;

    /// <summary>The encoder that embeds chunks and queries, or null for BM25 alone.</summary>
    /// <exception cref="ApiException">503 while models load; 400 when the named model is not an embedding model.</exception>
    public ServedEncoder? Embedder()
    {
        RequireLoaded();
        if (embedderName is not null) return EncoderInputs.RequireEmbedding(registry.GetEncoder(embedderName));
        return registry.Encoders.FirstOrDefault(e => e.Encoder.Head == EncoderHead.Embedding);
    }

    /// <summary>The cross-encoder that reorders fused results, or null for none.</summary>
    public ServedEncoder? Reranker()
    {
        RequireLoaded();
        if (rerankerName is not null) return registry.GetEncoder(rerankerName);
        return registry.Encoders.FirstOrDefault(e => e.Encoder.Head == EncoderHead.SequenceClassification && e.Encoder.Config.LabelCount == 1);
    }

    public DocumentIngestion Ingestion() => new(store, Embedder());

    public Retriever Retriever() => new(store, Embedder(), Reranker());

    private void RequireLoaded()
    {
        // Documents embedded before the embedder loads would be stored without vectors for good.
        if (!registry.IsReady) throw new ApiException(503, "models are still loading; retry shortly", null, "model_loading") { RetryAfterSeconds = 5 };
    }

    public void Dispose() => store.Dispose();
}
