using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Strata.Data.Extraction;
using Strata.Serving.Documents;
using Strata.Serving.Security;

namespace Strata.Serving.Api;

/// <summary>POST /v1/documents (JSON or multipart upload).</summary>
/// <summary>A stored document as the API shows it; <c>text</c> only when asked for.</summary>
public sealed record DocumentCard(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("media_type")] string MediaType,
    [property: JsonPropertyName("characters")] int Characters,
    [property: JsonPropertyName("chunks")] int Chunks,
    [property: JsonPropertyName("embedder")] string? Embedder,
    [property: JsonPropertyName("created_at")] long CreatedAt)
{
    [JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Text { get; init; }
}

public sealed record DocumentUpload
{
    [JsonPropertyName("name")] public string? Name { get; init; }

    /// <summary>The document as text (plain, Markdown or HTML source).</summary>
    [JsonPropertyName("text")] public string? Text { get; init; }

    /// <summary>The file's bytes in base64 (any supported type, PDF included).</summary>
    [JsonPropertyName("content")] public string? Content { get; init; }

    [JsonPropertyName("media_type")] public string? MediaType { get; init; }
}

/// <summary>POST /v1/documents/search.</summary>
public sealed record DocumentSearchRequest
{
    [JsonPropertyName("query")] public string? Query { get; init; }
    [JsonPropertyName("top_n")] public int? TopN { get; init; }
    [JsonPropertyName("rerank")] public bool? Rerank { get; init; }
}

/// <summary>
/// A tenant's documents over HTTP: upload, list, read, delete and search. The tenant is the API key's (<c>default</c>
/// when the server runs without keys); another tenant's document ids answer 404 exactly like ids that never existed.
/// </summary>
public static class DocumentsEndpoints
{
    public const int MaxTopN = 50, MaxNameLength = 256;

    public static async Task UploadAsync(HttpContext http)
    {
        var documents = Service(http);
        var (name, mediaType, content) = http.Request.HasFormContentType ? await ReadFormAsync(http.Request) : await ReadJsonAsync(http.Request);
        if (name.Length > MaxNameLength || name.Any(char.IsControl)) throw ApiException.BadRequest($"name must be at most {MaxNameLength} characters, without control characters", "name");
        StoredDocument stored;
        try
        {
            stored = await documents.Ingestion().AddAsync(Caller.Tenant(http), name, mediaType, content, http.RequestAborted);
        }
        catch (NotSupportedException e)
        {
            throw ApiException.BadRequest(e.Message, "media_type");
        }
        catch (InvalidDataException e)
        {
            throw ApiException.BadRequest($"the document cannot be read: {e.Message}", http.Request.HasFormContentType ? "file" : "content");
        }
        await http.Response.WriteAsJsonAsync(Card(stored), JsonBody.ResponseOptions, http.RequestAborted);
    }

    public static async Task ListAsync(HttpContext http, int? limit, int? offset)
    {
        var documents = Service(http);
        if (limit is < 1 or > 1000) throw ApiException.BadRequest("limit must be between 1 and 1000", "limit");
        if (offset is < 0) throw ApiException.BadRequest("offset must not be negative", "offset");
        var list = documents.Store.List(Caller.Tenant(http), limit ?? 100, offset ?? 0);
        await http.Response.WriteAsJsonAsync(new { @object = "list", data = list.Select(Card) }, JsonBody.ResponseOptions, http.RequestAborted);
    }

    public static async Task GetAsync(HttpContext http, string id, bool? includeText)
    {
        var documents = Service(http);
        string tenant = Caller.Tenant(http);
        var stored = documents.Store.Find(tenant, id) ?? throw NotFound(id);
        var card = Card(stored) with { Text = includeText == true ? documents.Store.Text(tenant, id) : null };
        await http.Response.WriteAsJsonAsync(card, JsonBody.ResponseOptions, http.RequestAborted);
    }

    public static async Task DeleteAsync(HttpContext http, string id)
    {
        var documents = Service(http);
        if (!documents.Store.Delete(Caller.Tenant(http), id)) throw NotFound(id);
        await http.Response.WriteAsJsonAsync(new { id, @object = "document", deleted = true }, JsonBody.ResponseOptions, http.RequestAborted);
    }

    public static async Task SearchAsync(HttpContext http)
    {
        var documents = Service(http);
        var request = await JsonBody.ReadAsync<DocumentSearchRequest>(http.Request);
        if (string.IsNullOrWhiteSpace(request.Query)) throw ApiException.BadRequest("query must be a non-empty string", "query");
        if (request.TopN is < 1 or > MaxTopN) throw ApiException.BadRequest($"top_n must be between 1 and {MaxTopN}", "top_n");
        var result = await documents.Retriever().RetrieveAsync(Caller.Tenant(http), request.Query,
            new RetrievalOptions(TopN: request.TopN ?? 5, Rerank: request.Rerank ?? true), http.RequestAborted);
        await http.Response.WriteAsJsonAsync(new
        {
            @object = "list",
            mode = result.Mode,
            data = result.Chunks.Select(c => new
            {
                document_id = c.Chunk.DocumentId,
                document_name = c.Chunk.DocumentName,
                chunk_index = c.Chunk.Index,
                start = c.Chunk.Start,
                end = c.Chunk.End,
                heading = c.Chunk.Heading,
                text = c.Chunk.Text,
                score = c.Score,
                text_rank = c.TextRank,
                vector_rank = c.VectorRank,
                rerank_score = c.RerankScore,
            }),
        }, JsonBody.ResponseOptions, http.RequestAborted);
    }

    /// <exception cref="ApiException">501 when the server runs without a document store.</exception>
    private static DocumentService Service(HttpContext http) =>
        http.RequestServices.GetService(typeof(DocumentService)) as DocumentService
        ?? throw new ApiException(501, "this server has no document store (start it with --documents PATH|URL)", null, "documents_disabled");

    private static ApiException NotFound(string id) => new(404, $"no document '{id}'", "id", "document_not_found");

    private static DocumentCard Card(StoredDocument d) =>
        new(d.Id, "document", d.Name, d.MediaType, d.Characters, d.Chunks, d.Embedder, d.CreatedAt.ToUnixTimeSeconds());

    private static async Task<(string Name, string MediaType, byte[] Content)> ReadJsonAsync(HttpRequest request)
    {
        var upload = await JsonBody.ReadAsync<DocumentUpload>(request);
        if (string.IsNullOrWhiteSpace(upload.Name)) throw ApiException.BadRequest("name is required", "name");
        if ((upload.Text is null) == (upload.Content is null)) throw ApiException.BadRequest("give the document as text or as base64 content, exactly one", "text");
        string mediaType = upload.MediaType ?? (upload.Text is not null ? DocumentText.MediaTypeOf(upload.Name) ?? "text/plain" : DocumentText.MediaTypeOf(upload.Name))
            ?? throw ApiException.BadRequest("media_type is required when the name has no known extension", "media_type");
        if (upload.Text is not null) return (upload.Name, mediaType, System.Text.Encoding.UTF8.GetBytes(upload.Text));
        try
        {
            return (upload.Name, mediaType, Convert.FromBase64String(upload.Content!));
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("content must be base64", "content");
        }
    }

    private static async Task<(string Name, string MediaType, byte[] Content)> ReadFormAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var file = form.Files.GetFile("file") ?? throw ApiException.BadRequest("the form needs a 'file' part", "file");
        string name = form["name"].FirstOrDefault() is { Length: > 0 } given ? given : file.FileName;
        if (string.IsNullOrWhiteSpace(name)) throw ApiException.BadRequest("name is required", "name");
        string mediaType = form["media_type"].FirstOrDefault() is { Length: > 0 } explicitType ? explicitType
            : DocumentText.MediaTypeOf(file.FileName) ?? (DocumentText.MediaTypes.Contains(file.ContentType) ? file.ContentType : null)
            ?? throw ApiException.BadRequest($"'{file.FileName}' is not a supported file type ({string.Join(", ", DocumentText.MediaTypes)})", "file");
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return (name, mediaType, buffer.ToArray());
    }
}
