using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Strata.Models.Templates;
using Strata.Serving.Api;
using Strata.Serving.Documents;
using Strata.Serving.Security;

namespace Strata.Serving.Grounding;

/// <summary>
/// What grounded chat adds around generation: the documents (given in the request, or retrieved from the caller's
/// tenant with <c>"documents": "auto"</c>), the prompt that shows them to the model, and the citations checked
/// against them afterwards.
/// </summary>
public static class GroundedChat
{
    /// <summary>Chunks retrieved for <c>"documents": "auto"</c>.</summary>
    public const int RetrievedDocuments = 5;

    /// <summary>The request's documents, or the tenant's best chunks for the last user message; empty when none.</summary>
    /// <exception cref="ApiException">400 for malformed documents; 501 for "auto" on a server without a document store.</exception>
    public static async Task<IReadOnlyList<GroundingDocument>> ResolveAsync(HttpContext http, JsonElement? documents, JsonArray messages)
    {
        if (documents is not JsonElement element || element.ValueKind == JsonValueKind.Null) return [];
        if (element.ValueKind == JsonValueKind.String)
        {
            if (element.GetString() != "auto") throw ApiException.BadRequest("documents must be a list, or \"auto\" to retrieve from your documents", "documents");
            var service = http.RequestServices.GetService(typeof(DocumentService)) as DocumentService
                ?? throw new ApiException(501, "this server has no document store, so \"documents\": \"auto\" has nothing to retrieve from", "documents", "documents_disabled");
            string query = messages.LastOrDefault(m => m?["role"]?.GetValue<string>() == "user")?["content"] is JsonValue content && content.TryGetValue(out string? text) ? text
                : throw ApiException.BadRequest("\"documents\": \"auto\" retrieves for the last user message, and there is none with text", "messages");
            var retrieved = await service.Retriever().RetrieveAsync(Caller.Tenant(http), query,
                new RetrievalOptions(TopN: RetrievedDocuments), http.RequestAborted);
            return retrieved.Chunks.Select(c => new GroundingDocument(
                $"{c.Chunk.DocumentId}:{c.Chunk.Index}",
                new JsonObject
                {
                    ["title"] = c.Chunk.DocumentName,
                    ["snippet"] = c.Chunk.Text,
                    ["document_id"] = c.Chunk.DocumentId,
                    ["start"] = c.Chunk.Start,
                    ["end"] = c.Chunk.End,
                },
                $"title: {c.Chunk.DocumentName}\nsnippet: {c.Chunk.Text}")).ToList();
        }
        return GroundingDocument.Parse(element);
    }

    /// <summary>
    /// The conversation and template variables that show <paramref name="documents"/> to the model: as the template's
    /// own <c>documents</c> variable when it renders one (Command R), else as a system message listing them by id
    /// (ChatML and other templates without a documents section).
    /// </summary>
    public static (JsonArray Messages, Dictionary<string, JsonNode?> Variables) Prompt(JsonArray messages, IReadOnlyList<GroundingDocument> documents, PromptFormatter prompts)
    {
        var variables = new Dictionary<string, JsonNode?>();
        if (documents.Count == 0) return (messages, variables);
        if (prompts.ReadsDocuments)
        {
            variables["documents"] = new JsonArray(documents.Select(d =>
            {
                var fields = (JsonObject)d.Data.DeepClone();
                fields["id"] ??= d.Id;
                return (JsonNode)fields;
            }).ToArray());
            return (messages, variables);
        }
        string listing = GroundedPrompt.Listing(documents.Select(d => (d.Id, d.Text)));
        var grounded = new JsonArray();
        bool placed = false;
        foreach (var message in messages)
        {
            var copy = message?.DeepClone();
            if (!placed && copy?["role"]?.GetValue<string>() == "system" && copy["content"] is JsonValue system && system.TryGetValue(out string? text))
            {
                copy["content"] = $"{text}\n\n{listing}";
                placed = true;
            }
            grounded.Add(copy);
        }
        if (!placed) grounded.Insert(0, new JsonObject { ["role"] = "system", ["content"] = listing });
        return (grounded, variables);
    }

    /// <summary>Cohere's <c>citation_options.mode</c> (accurate when absent, as Cohere's default).</summary>
    public static CitationMode Mode(string? value) => value?.ToUpperInvariant() switch
    {
        null or "ACCURATE" => CitationMode.Accurate,
        "FAST" => CitationMode.Fast,
        "OFF" => CitationMode.Off,
        _ => throw ApiException.BadRequest($"citation_options.mode must be fast, accurate or off, not '{value}'", "citation_options.mode"),
    };

    /// <summary>A citation as OpenAI annotations: one <c>url_citation</c> per source of the span.</summary>
    public static IEnumerable<Api.OpenAi.UrlCitation> ToOpenAi(Citation citation) => citation.Sources.Select(s =>
        new Api.OpenAi.UrlCitation("url_citation", new Api.OpenAi.UrlCitationTarget(citation.Start, citation.End,
            $"strata://documents/{Uri.EscapeDataString(s.Id)}",
            s.Data["title"] is JsonValue title && title.TryGetValue(out string? name) ? name : s.Id)));
}
