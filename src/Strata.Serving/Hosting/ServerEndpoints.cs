using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Strata.Models.Encoders;
using Strata.Serving.Api;
using Strata.Serving.Api.Cohere;
using Strata.Serving.Api.OpenAi;
using Strata.Serving.Metrics;
using Strata.Serving.Registry;

namespace Strata.Serving.Hosting;

/// <summary>The route table: every endpoint the server offers, with its OpenAPI description.</summary>
public static class ServerEndpoints
{
    public static void Map(WebApplication app)
    {
        var openAi = app.MapGroup("/v1").WithTags("OpenAI-compatible");
        openAi.MapPost("/chat/completions", ChatCompletionsEndpoint.HandleAsync)
            .Accepts<ChatCompletionRequest>("application/json").Produces<ChatCompletion>()
            .WithSummary("Chat completion (stream: true for server-sent events)");
        openAi.MapPost("/completions", CompletionsEndpoint.HandleAsync)
            .Accepts<CompletionRequest>("application/json").Produces<Completion>()
            .WithSummary("Text completion");
        openAi.MapPost("/embeddings", EmbeddingsEndpoint.HandleAsync)
            .Accepts<EmbeddingRequest>("application/json").Produces<EmbeddingList>()
            .WithSummary("Embeddings: mean-pooled final hidden state, L2-normalised");
        openAi.MapGet("/models", (ModelRegistry registry) => Results.Json(ModelList(registry), JsonBody.ResponseOptions))
            .Produces<ModelList>().WithSummary("Loaded models");
        openAi.MapGet("/models/{id}", (string id, ModelRegistry registry) =>
            Results.Json(registry.FindEncoder(id) is { } encoder ? Card(encoder) : Card(registry.Get(id).Model), JsonBody.ResponseOptions))
            .Produces<ModelCard>().WithSummary("One model");

        var documents = app.MapGroup("/v1/documents").WithTags("Documents");
        documents.MapPost("", (HttpContext http, CancellationToken _) => DocumentsEndpoints.UploadAsync(http)).Accepts<DocumentUpload>("application/json", "multipart/form-data")
            .WithSummary("Add a document (text, Markdown, HTML or PDF) to the caller's tenant: extracted, chunked, embedded");
        documents.MapGet("", (HttpContext http, int? limit, int? offset) => DocumentsEndpoints.ListAsync(http, limit, offset)).WithSummary("The tenant's documents, newest first");
        documents.MapGet("/{id}", (HttpContext http, string id, bool? include_text) => DocumentsEndpoints.GetAsync(http, id, include_text)).WithSummary("One document (include_text=true for its text)");
        documents.MapDelete("/{id}", DocumentsEndpoints.DeleteAsync).WithSummary("Delete a document with its chunks and vectors");
        documents.MapPost("/search", (HttpContext http, CancellationToken _) => DocumentsEndpoints.SearchAsync(http)).Accepts<DocumentSearchRequest>("application/json")
            .WithSummary("Hybrid retrieval (BM25 + vectors, fused, reranked) over the tenant's chunks");

        var arena = app.MapGroup("/v1/arena").WithTags("Arena");
        arena.MapPost("/battles", (HttpContext http, CancellationToken _) => ArenaEndpoints.StartAsync(http)).Produces<ArenaBattleCard>()
            .WithSummary("Start a blind battle: two chat models drawn at random, anonymous as sides a and b until the vote");
        arena.MapGet("/battles/{id}", ArenaEndpoints.GetAsync).Produces<ArenaBattleCard>().WithSummary("A battle's turns and vote (the models stay anonymous)");
        arena.MapPost("/battles/{id}/turns", ArenaEndpoints.TurnAsync).Accepts<ArenaTurnRequest>("application/json")
            .WithSummary("Send a message to both sides: server-sent events interleaving their answers ({side, delta}, then {side, done} each)");
        arena.MapPost("/battles/{id}/vote", ArenaEndpoints.VoteAsync).Accepts<ArenaVoteRequest>("application/json").Produces<ArenaVoteResult>()
            .WithSummary("Vote a, b, tie or both_bad, once; the answer names the two models");
        arena.MapGet("/leaderboard", (HttpContext http, [FromQuery(Name = "style_control")] string? styleControl) => ArenaEndpoints.LeaderboardAsync(http, styleControl))
            .Produces<ArenaLeaderboard>().WithSummary("Bradley-Terry ratings from the tenant's counted votes, with 95% bootstrap intervals, win rates and battle counts");

        var cohere = app.MapGroup("").WithTags("Cohere-compatible");
        cohere.MapPost("/v2/chat", CohereChatEndpoint.HandleAsync)
            .Accepts<CohereChatRequest>("application/json").WithSummary("Chat (stream: true for Cohere's stream events)");
        cohere.MapPost("/v2/embed", CohereEmbedEndpoints.EmbedAsync)
            .Accepts<CohereEmbedRequest>("application/json").WithSummary("Embeddings as float, int8, uint8, binary or ubinary");
        cohere.MapPost("/v2/rerank", CohereRerankEndpoint.V2Async)
            .Accepts<CohereRerankRequest>("application/json").WithSummary("Documents ordered by relevance to a query (cross-encoder or embedding model)");
        cohere.MapPost("/v1/rerank", CohereRerankEndpoint.V1Async)
            .Accepts<CohereRerankRequest>("application/json").WithSummary("Rerank, v1 shape (document objects, return_documents)");
        cohere.MapPost("/v1/classify", CohereClassifyEndpoint.HandleAsync)
            .Accepts<CohereClassifyRequest>("application/json").WithSummary("Labels for texts: from examples with an embedding model, or a trained classifier's own");
        cohere.MapPost("/v1/summarize", CohereSummarizeEndpoint.HandleAsync)
            .Accepts<CohereSummarizeRequest>("application/json").WithSummary("A summary by a chat model, of the requested length, format and extractiveness");
        cohere.MapPost("/v1/tokenize", CohereEmbedEndpoints.TokenizeAsync)
            .Accepts<CohereTokenizeRequest>("application/json").WithSummary("Text to token ids");
        cohere.MapPost("/v1/detokenize", CohereEmbedEndpoints.DetokenizeAsync)
            .Accepts<CohereDetokenizeRequest>("application/json").WithSummary("Token ids to text");

        var operations = app.MapGroup("").WithTags("Operations");
        operations.MapGet("/health", (ModelRegistry registry) => registry.IsReady
                ? Results.Json(new { status = "ok", models = registry.Names })
                : Results.Json(new { status = registry.LoadError is null ? "loading" : "error", error = registry.LoadError }, statusCode: 503))
            .WithSummary("200 when every model is loaded, 503 before");
        operations.MapGet("/metrics", async (HttpContext http, ServerMetrics metrics) =>
            {
                http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await metrics.WriteAsync(http.Response.Body, http.RequestAborted);
            })
            .WithSummary("Prometheus metrics");
        Playground.PlaygroundEndpoints.Map(app);
    }

    public static ModelList ModelList(ModelRegistry registry) =>
        new("list", registry.Engines.Select(e => Card(e.Model)).Concat(registry.Encoders.Select(Card)).ToList());

    private static ModelCard Card(ServedModel model) =>
        new(model.Name, "model", model.Created.ToUnixTimeSeconds(), "strata", model.ContextLength, model.ContextLength, ["chat", "generate", "embed"]);

    private static ModelCard Card(ServedEncoder encoder) =>
        new(encoder.Name, "model", encoder.Created.ToUnixTimeSeconds(), "strata", encoder.Encoder.MaxLength, encoder.Encoder.MaxLength,
            encoder.Encoder.Head == EncoderHead.Embedding ? ["embed", "rerank"]
            : encoder.Encoder.Config.LabelCount == 1 ? ["rerank"] : ["classify"]);
}
