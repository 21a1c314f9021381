using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Serving.Api;

namespace Strata.Serving.Grounding;

/// <summary>
/// A document an answer may cite: Cohere's <c>{id, data}</c> (or a bare string), with the text the model reads and
/// citations are checked against — the data's fields as "name: value" lines, or the string itself. A tool's result in
/// the conversation is one too (<see cref="IsToolResult"/>), cited as Cohere cites tool outputs.
/// </summary>
public sealed record GroundingDocument(string Id, JsonObject Data, string Text)
{
    /// <summary>A tool's result (its id <c>CALL_ID:0</c>), not a document the request gave.</summary>
    public bool IsToolResult { get; init; }

    /// <summary>The conversation's tool results (<c>role: tool</c> messages), citable by the answer that follows them.</summary>
    public static IReadOnlyList<GroundingDocument> ToolResults(JsonArray messages) =>
        [.. messages.Where(m => m?["role"]?.GetValue<string>() == "tool" && m["content"]?.GetValue<string>() is { Length: > 0 })
            .Select(m => new GroundingDocument($"{m!["tool_call_id"]?.GetValue<string>()}:0", new JsonObject { ["text"] = m["content"]!.GetValue<string>() },
                m["content"]!.GetValue<string>()) { IsToolResult = true })];

    public const int MaxDocuments = 100;

    /// <summary>Cohere v2's <c>documents</c>: strings or objects with <c>data</c> (and optional <c>id</c>); ids default to <c>doc:N</c>.</summary>
    /// <exception cref="ApiException">400 naming the offending element.</exception>
    public static IReadOnlyList<GroundingDocument> Parse(JsonElement documents)
    {
        if (documents.ValueKind != JsonValueKind.Array) throw ApiException.BadRequest("documents must be a list of strings or {id, data} objects, or \"auto\"", "documents");
        if (documents.GetArrayLength() > MaxDocuments) throw ApiException.BadRequest($"at most {MaxDocuments} documents per request", "documents");
        var parsed = new List<GroundingDocument>();
        foreach (var item in documents.EnumerateArray())
        {
            string field = $"documents[{parsed.Count}]";
            string fallbackId = $"doc:{parsed.Count}";
            if (item.ValueKind == JsonValueKind.String)
            {
                string text = item.GetString()!;
                if (text.Length == 0) throw ApiException.BadRequest($"{field} must not be empty", field);
                parsed.Add(new GroundingDocument(fallbackId, new JsonObject { ["snippet"] = text }, text));
                continue;
            }
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("data", out var data) || data.ValueKind is not (JsonValueKind.Object or JsonValueKind.String))
            {
                throw ApiException.BadRequest($"{field} must be a string or an object with 'data'", field);
            }
            string id = item.TryGetProperty("id", out var given) && given.ValueKind == JsonValueKind.String && given.GetString() is { Length: > 0 } s ? s : fallbackId;
            var fields = data.ValueKind == JsonValueKind.String ? new JsonObject { ["snippet"] = data.GetString() } : JsonNode.Parse(data.GetRawText())!.AsObject();
            string body = string.Join('\n', fields.Select(f => $"{f.Key}: {(f.Value is JsonValue v && v.TryGetValue(out string? str) ? str : f.Value?.ToJsonString())}"));
            if (body.Length == 0) throw ApiException.BadRequest($"{field}.data must not be empty", $"{field}.data");
            parsed.Add(new GroundingDocument(id, fields, body));
        }
        if (parsed.Select(d => d.Id).Distinct(StringComparer.Ordinal).Count() != parsed.Count) throw ApiException.BadRequest("document ids must be unique", "documents");
        return parsed;
    }
}
