using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Strata.Serving.Grounding;

namespace Strata.Serving.Api.Cohere;

// Response bodies with Cohere's field names. Fields Cohere leaves out when they do not apply are left out (null is not
// written for them); every other field is always written.

public sealed record CohereApiVersion([property: JsonPropertyName("version")] string Version);

/// <summary>What a request is billed as: only the units that apply to the endpoint are written.</summary>
public sealed record CohereBilledUnits(
    [property: JsonPropertyName("input_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? InputTokens = null,
    [property: JsonPropertyName("output_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? OutputTokens = null,
    [property: JsonPropertyName("search_units"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? SearchUnits = null,
    [property: JsonPropertyName("classifications"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Classifications = null);

public sealed record CohereMeta(
    [property: JsonPropertyName("api_version")] CohereApiVersion ApiVersion,
    [property: JsonPropertyName("billed_units"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CohereBilledUnits? BilledUnits = null)
{
    public static CohereMeta Version(string version, CohereBilledUnits? billed = null) => new(new CohereApiVersion(version), billed);
}

public sealed record CohereTokens(
    [property: JsonPropertyName("input_tokens")] int InputTokens,
    [property: JsonPropertyName("output_tokens")] int OutputTokens);

/// <summary>Chat's usage: billed units and tokens, the same counts here.</summary>
public sealed record CohereUsage(
    [property: JsonPropertyName("billed_units")] CohereTokens BilledUnits,
    [property: JsonPropertyName("tokens")] CohereTokens Tokens)
{
    public static CohereUsage Of(int input, int output) => new(new CohereTokens(input, output), new CohereTokens(input, output));
}

public sealed record CohereDocumentText([property: JsonPropertyName("text")] string Text);

public sealed record CohereRerankResult(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("relevance_score")] float RelevanceScore,
    [property: JsonPropertyName("document"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CohereDocumentText? Document);

public sealed record CohereRerankResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("results")] IReadOnlyList<CohereRerankResult> Results,
    [property: JsonPropertyName("meta")] CohereMeta Meta);

public sealed record CohereLabelConfidence([property: JsonPropertyName("confidence")] double Confidence);

public sealed record CohereClassification(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("prediction")] string Prediction,
    [property: JsonPropertyName("predictions")] IReadOnlyList<string> Predictions,
    [property: JsonPropertyName("confidence")] double Confidence,
    [property: JsonPropertyName("confidences")] IReadOnlyList<double> Confidences,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, CohereLabelConfidence> Labels,
    [property: JsonPropertyName("classification_type")] string ClassificationType);

public sealed record CohereClassifyResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("classifications")] IReadOnlyList<CohereClassification> Classifications,
    [property: JsonPropertyName("meta")] CohereMeta Meta);

/// <summary>v2 embed's <c>embeddings</c>: one list of vectors per requested type, only those asked for.</summary>
public sealed record CohereEmbeddingsByType(
    [property: JsonPropertyName("float"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float[][]? Float = null,
    [property: JsonPropertyName("int8"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int[][]? Int8 = null,
    [property: JsonPropertyName("uint8"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int[][]? UInt8 = null,
    [property: JsonPropertyName("binary"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int[][]? Binary = null,
    [property: JsonPropertyName("ubinary"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int[][]? UBinary = null);

public sealed record CohereEmbedResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("response_type")] string ResponseType,
    [property: JsonPropertyName("embeddings")] CohereEmbeddingsByType Embeddings,
    [property: JsonPropertyName("texts")] IReadOnlyList<string?> Texts,
    [property: JsonPropertyName("meta")] CohereMeta Meta);

public sealed record CohereTokenizeResponse(
    [property: JsonPropertyName("tokens")] IReadOnlyList<int> Tokens,
    [property: JsonPropertyName("token_strings")] IReadOnlyList<string> TokenStrings,
    [property: JsonPropertyName("meta")] CohereMeta Meta);

public sealed record CohereDetokenizeResponse(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("meta")] CohereMeta Meta);

public sealed record CohereSummarizeResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("meta")] CohereMeta Meta);

/// <summary>A source of a citation: a document (<c>document</c>, with its id) or a tool result (<c>tool_output</c>).</summary>
public sealed record CohereCitationSource(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("document"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Document = null,
    [property: JsonPropertyName("tool_output"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? ToolOutput = null);

/// <summary>A citation in Cohere v2's shape: a span of the answer and its sources.</summary>
public sealed record CohereCitation(
    [property: JsonPropertyName("start")] int Start,
    [property: JsonPropertyName("end")] int End,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("sources")] IReadOnlyList<CohereCitationSource> Sources,
    [property: JsonPropertyName("type")] string Type)
{
    public static CohereCitation From(Citation citation) => new(citation.Start, citation.End, citation.Text,
        citation.Sources.Select(s =>
        {
            if (s.IsToolResult) return new CohereCitationSource("tool", s.Id, ToolOutput: s.Data.DeepClone());
            var document = (JsonObject)s.Data.DeepClone();
            document["id"] ??= s.Id;
            return new CohereCitationSource("document", s.Id, Document: document);
        }).ToList(), "TEXT_CONTENT");
}

public sealed record CohereTextContent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("text")] string Text);

/// <summary>The assistant's message: text content with its citations, or a tool plan with tool calls (whose shape is OpenAI's).</summary>
public sealed record CohereAssistantMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<CohereTextContent>? Content = null,
    [property: JsonPropertyName("citations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<CohereCitation>? Citations = null,
    [property: JsonPropertyName("tool_plan"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ToolPlan = null,
    [property: JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<OpenAi.ToolCallOut>? ToolCalls = null);

public sealed record CohereChatResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("finish_reason")] string FinishReason,
    [property: JsonPropertyName("message")] CohereAssistantMessage Message,
    [property: JsonPropertyName("usage")] CohereUsage Usage);
