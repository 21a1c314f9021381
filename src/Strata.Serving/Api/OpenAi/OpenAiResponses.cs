using System.Text.Json.Serialization;

namespace Strata.Serving.Api.OpenAi;

// Response bodies with OpenAI's field names; nulls are written, as OpenAI does ("logprobs": null).

public sealed record Usage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens);

public sealed record TopLogprobEntry(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] double Logprob,
    [property: JsonPropertyName("bytes")] int[] Bytes);

public sealed record LogprobEntry(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] double Logprob,
    [property: JsonPropertyName("bytes")] int[] Bytes,
    [property: JsonPropertyName("top_logprobs")] IReadOnlyList<TopLogprobEntry> TopLogprobs);

public sealed record ChoiceLogprobs(
    [property: JsonPropertyName("content")] IReadOnlyList<LogprobEntry> Content,
    [property: JsonPropertyName("refusal")] object? Refusal = null);

public sealed record AssistantMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string? Content,
    [property: JsonPropertyName("refusal")] string? Refusal = null,
    [property: JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<UrlCitation>? Annotations = null,
    [property: JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallOut>? ToolCalls = null);

/// <summary>A call in a message: <c>{id, type: "function", function: {name, arguments}}</c>, arguments as JSON text.</summary>
public sealed record ToolCallOut(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("function")] FunctionCallOut Function)
{
    public static ToolCallOut From(Strata.Models.Tools.ToolCall call) => new(call.Id, "function", new FunctionCallOut(call.Name, call.Arguments));
}

public sealed record FunctionCallOut(
    [property: JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonPropertyName("arguments")] string Arguments);

/// <summary>A streamed call fragment: the first for a call carries id, type and name; later ones more of the arguments.</summary>
public sealed record ToolCallDelta(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonPropertyName("type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Type,
    [property: JsonPropertyName("function")] FunctionCallOut Function);

/// <summary>
/// OpenAI's citation annotation: a span of the message and the source it comes from. A Strata document's URL is
/// <c>strata://documents/{id}</c> (the id of the request's document, or <c>doc_…:chunk</c> for a retrieved chunk).
/// </summary>
public sealed record UrlCitation(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("url_citation")] UrlCitationTarget Target);

public sealed record UrlCitationTarget(
    [property: JsonPropertyName("start_index")] int StartIndex,
    [property: JsonPropertyName("end_index")] int EndIndex,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("title")] string Title);

public sealed record ChatChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] AssistantMessage Message,
    [property: JsonPropertyName("logprobs")] ChoiceLogprobs? Logprobs,
    [property: JsonPropertyName("finish_reason")] string FinishReason);

public sealed record ChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChoice> Choices,
    [property: JsonPropertyName("usage")] Usage Usage,
    [property: JsonPropertyName("system_fingerprint")] string? SystemFingerprint = null);

public sealed record ChatDelta(
    [property: JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content,
    [property: JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<UrlCitation>? Annotations = null,
    [property: JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallDelta>? ToolCalls = null);

public sealed record ChatChunkChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("delta")] ChatDelta Delta,
    [property: JsonPropertyName("logprobs")] ChoiceLogprobs? Logprobs,
    [property: JsonPropertyName("finish_reason")] string? FinishReason);

public sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChunkChoice> Choices,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] Usage? Usage = null,
    [property: JsonPropertyName("system_fingerprint")] string? SystemFingerprint = null);

public sealed record CompletionLogprobs(
    [property: JsonPropertyName("tokens")] IReadOnlyList<string> Tokens,
    [property: JsonPropertyName("token_logprobs")] IReadOnlyList<double> TokenLogprobs,
    [property: JsonPropertyName("top_logprobs")] IReadOnlyList<Dictionary<string, double>> TopLogprobs,
    [property: JsonPropertyName("text_offset")] IReadOnlyList<int> TextOffset);

public sealed record CompletionChoice(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("logprobs")] CompletionLogprobs? Logprobs,
    [property: JsonPropertyName("finish_reason")] string? FinishReason);

public sealed record Completion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<CompletionChoice> Choices,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] Usage? Usage,
    [property: JsonPropertyName("system_fingerprint")] string? SystemFingerprint = null);

public sealed record EmbeddingData(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("embedding")] object Embedding);

public sealed record EmbeddingUsage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens);

public sealed record EmbeddingList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<EmbeddingData> Data,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("usage")] EmbeddingUsage Usage);

/// <summary>
/// OpenAI's model object plus the context length, which OpenAI's lacks and clients need to size <c>max_tokens</c>:
/// under vLLM's name (<c>max_model_len</c>, what vLLM-aware clients read) and Strata's earlier <c>context_length</c>;
/// and, as Cohere's model list has it, the <c>endpoints</c> the model serves (chat, embed, rerank, classify).
/// </summary>
public sealed record ModelCard(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy,
    [property: JsonPropertyName("max_model_len")] int MaxModelLen,
    [property: JsonPropertyName("context_length")] int ContextLength,
    [property: JsonPropertyName("endpoints")] IReadOnlyList<string> Endpoints);

public sealed record ModelList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<ModelCard> Data);

/// <summary>
/// The event that ends an OpenAI stream which failed after it began (no HTTP status can be sent by then):
/// <c>{"error": {message, type: "server_error", param, code}}</c>, the body of an OpenAI error, as OpenAI's own streams do.
/// </summary>
public sealed record StreamError([property: JsonPropertyName("error")] StreamErrorBody Error)
{
    public static StreamError From(Exception e) => new(new StreamErrorBody(e.Message, "server_error", null, null));
}

public sealed record StreamErrorBody(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);
