using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Strata.Serving.Registry;

namespace Strata.Serving.Api.Cohere;

/// <summary>
/// POST /v2/rerank and /v1/rerank, as Cohere's: the documents ordered by relevance to the query, each with its index
/// in the request and a score in [0, 1]. A cross-encoder reads query and document together (its logit through a
/// sigmoid); an embedding model compares their vectors (cosine). <c>top_n</c> above the number of documents returns
/// them all, as Cohere does; v1's document objects are read by their <c>text</c> field.
/// </summary>
public static class CohereRerankEndpoint
{
    /// <summary>Cohere's own ceiling on documents per request.</summary>
    public const int MaxDocuments = 1000;

    public static Task V2Async(HttpContext http, ModelRegistry registry) => HandleAsync(http, registry, version: 2);

    public static Task V1Async(HttpContext http, ModelRegistry registry) => HandleAsync(http, registry, version: 1);

    private static async Task HandleAsync(HttpContext http, ModelRegistry registry, int version)
    {
        var request = await JsonBody.ReadAsync<CohereRerankRequest>(http.Request);
        var encoder = registry.GetEncoder(GenerationSettings.RequireModelName(request.Model));
        if (string.IsNullOrWhiteSpace(request.Query)) throw ApiException.BadRequest("query must be a non-empty string", "query");
        var documents = Documents(request.Documents, version);
        if (request.TopN is int topN && topN < 1) throw ApiException.BadRequest("top_n must be at least 1", "top_n");
        if (request.MaxTokensPerDoc is int perDoc && perDoc < 1) throw ApiException.BadRequest("max_tokens_per_doc must be at least 1", "max_tokens_per_doc");
        if (encoder.Encoder.Head == Strata.Models.Encoders.EncoderHead.SequenceClassification && encoder.Encoder.Config.LabelCount != 1)
        {
            throw ApiException.BadRequest($"model '{encoder.Name}' is a classifier with {encoder.Encoder.Config.LabelCount} labels, not a reranker", "model");
        }

        var scores = await encoder.RunAsync(e => e.Relevance(request.Query, documents, request.MaxTokensPerDoc), http.RequestAborted);
        int count = Math.Min(request.TopN ?? documents.Count, documents.Count);
        var results = Enumerable.Range(0, documents.Count)
            .OrderByDescending(i => scores[i]).ThenBy(i => i)
            .Take(count)
            .Select(i => Result(i, scores[i], version == 1 && request.ReturnDocuments == true ? documents[i] : null))
            .ToList();
        var meta = CohereMeta.Version(version.ToString(System.Globalization.CultureInfo.InvariantCulture), new CohereBilledUnits(SearchUnits: 1));
        await http.Response.WriteAsJsonAsync(new CohereRerankResponse(Guid.NewGuid().ToString(), results, meta), JsonBody.ResponseOptions, http.RequestAborted);
    }

    private static CohereRerankResult Result(int index, float score, string? document) =>
        new(index, score, document is null ? null : new CohereDocumentText(document));

    /// <summary>The documents' texts: strings (v2), or strings and <c>{"text": …}</c> objects (v1).</summary>
    private static List<string> Documents(JsonElement? value, int version)
    {
        if (value is not JsonElement element || element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            throw ApiException.BadRequest("documents must be a non-empty list of strings", "documents");
        }
        if (element.GetArrayLength() > MaxDocuments) throw ApiException.BadRequest($"at most {MaxDocuments} documents per request", "documents");
        var texts = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            string field = $"documents[{texts.Count}]";
            string? text = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString(),
                JsonValueKind.Object when version == 1 && item.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String => t.GetString(),
                _ => throw ApiException.BadRequest(version == 1 ? $"{field} must be a string or an object with a string 'text'" : $"{field} must be a string", field),
            };
            if (string.IsNullOrEmpty(text)) throw ApiException.BadRequest($"{field} must not be empty", field);
            texts.Add(text);
        }
        return texts;
    }
}
