using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strata.Serving.Api.Cohere;

/// <summary>A Cohere v2 chat message: <c>content</c> is a string or a list of text parts.</summary>
public sealed record CohereMessage
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonPropertyName("content")] public JsonElement? Content { get; init; }
    [JsonPropertyName("tool_calls")] public JsonElement? ToolCalls { get; init; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; init; }

    /// <summary>An assistant turn's reasoning before its calls; it is the turn's text for the template.</summary>
    [JsonPropertyName("tool_plan")] public string? ToolPlan { get; init; }
}

/// <summary>POST /v2/chat. <c>documents</c>: strings or <c>{id, data}</c> objects, or (a Strata extension) <c>"auto"</c>.</summary>
public sealed record CohereChatRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("messages")] public List<CohereMessage?>? Messages { get; init; }
    [JsonPropertyName("documents")] public JsonElement? Documents { get; init; }
    [JsonPropertyName("citation_options")] public CitationOptionsRequest? CitationOptions { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; init; }
    [JsonPropertyName("temperature")] public double? Temperature { get; init; }
    [JsonPropertyName("p")] public double? P { get; init; }
    [JsonPropertyName("k")] public int? K { get; init; }
    [JsonPropertyName("seed")] public int? Seed { get; init; }
    [JsonPropertyName("stop_sequences")] public JsonElement? StopSequences { get; init; }

    /// <summary><c>{"type": "text"}</c> or <c>{"type": "json_object"}</c> (every reply a JSON object, by constrained decoding).</summary>
    [JsonPropertyName("response_format")] public JsonElement? ResponseFormat { get; init; }

    /// <summary><c>[{"type": "function", "function": {name, description, parameters}}]</c>, as OpenAI's.</summary>
    [JsonPropertyName("tools")] public JsonElement? Tools { get; init; }

    /// <summary><c>REQUIRED</c> or <c>NONE</c>; absent: the model chooses.</summary>
    [JsonPropertyName("tool_choice")] public string? ToolChoice { get; init; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; init; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; init; }
}

/// <summary>POST /v2/embed.</summary>
public sealed record CohereEmbedRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("texts")] public List<string?>? Texts { get; init; }
    [JsonPropertyName("input_type")] public string? InputType { get; init; }
    [JsonPropertyName("embedding_types")] public List<string?>? EmbeddingTypes { get; init; }
    [JsonPropertyName("truncate")] public string? Truncate { get; init; }
}

/// <summary>POST /v2/rerank (and /v1/rerank, whose documents may be <c>{"text": …}</c> objects).</summary>
public sealed record CohereRerankRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("query")] public string? Query { get; init; }
    [JsonPropertyName("documents")] public JsonElement? Documents { get; init; }
    [JsonPropertyName("top_n")] public int? TopN { get; init; }
    [JsonPropertyName("max_tokens_per_doc")] public int? MaxTokensPerDoc { get; init; }

    /// <summary>v1 only: echo each result's document text.</summary>
    [JsonPropertyName("return_documents")] public bool? ReturnDocuments { get; init; }
}

/// <summary>POST /v1/classify.</summary>
public sealed record CohereClassifyRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("inputs")] public List<string?>? Inputs { get; init; }
    [JsonPropertyName("examples")] public List<CohereClassifyExample?>? Examples { get; init; }
    [JsonPropertyName("truncate")] public string? Truncate { get; init; }
}

public sealed record CohereClassifyExample
{
    [JsonPropertyName("text")] public string? Text { get; init; }
    [JsonPropertyName("label")] public string? Label { get; init; }
}

/// <summary>POST /v1/summarize.</summary>
public sealed record CohereSummarizeRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("text")] public string? Text { get; init; }
    [JsonPropertyName("length")] public string? Length { get; init; }
    [JsonPropertyName("format")] public string? Format { get; init; }
    [JsonPropertyName("extractiveness")] public string? Extractiveness { get; init; }
    [JsonPropertyName("temperature")] public double? Temperature { get; init; }
    [JsonPropertyName("additional_command")] public string? AdditionalCommand { get; init; }
}

/// <summary>POST /v1/tokenize.</summary>
public sealed record CohereTokenizeRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("text")] public string? Text { get; init; }

    /// <summary>
    /// Not in Cohere's API (vLLM's tokenize takes it): OpenAI chat messages instead of <c>text</c>, answered with the
    /// tokens of the prompt <c>/v1/chat/completions</c> would run for them, so a client can size <c>max_tokens</c>.
    /// </summary>
    [JsonPropertyName("messages")] public List<OpenAi.ChatMessageInput?>? Messages { get; init; }
}

/// <summary>POST /v1/detokenize.</summary>
public sealed record CohereDetokenizeRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("tokens")] public List<int>? Tokens { get; init; }
}
