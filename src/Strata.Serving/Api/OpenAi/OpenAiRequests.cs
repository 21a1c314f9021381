using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Strata.Serving.Api.OpenAi;

/// <summary>A chat message as OpenAI sends it: <c>content</c> is a string, null, or a list of parts.</summary>
public sealed record ChatMessageInput
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonPropertyName("content")] public JsonElement? Content { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("tool_calls")] public JsonElement? ToolCalls { get; init; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; init; }

    /// <summary>The messages as chat templates read them; a 400 naming the field when one is malformed.</summary>
    public static JsonArray ToTemplateInput(IReadOnlyList<ChatMessageInput?>? messages) =>
        ChatMessages.ToTemplateInput(messages?.Select(m => m is null ? null
            : new ChatMessages.Input(m.Role, m.Content, m.ToolCalls, m.ToolCallId, m.Name)).ToList());
}

public sealed record StreamOptions
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; init; }
}

/// <summary>Fields shared by chat completions and completions.</summary>
public abstract record SamplingRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; init; }
    [JsonPropertyName("temperature")] public double? Temperature { get; init; }
    [JsonPropertyName("top_p")] public double? TopP { get; init; }

    /// <summary>Not in OpenAI's API; accepted as vLLM and llama.cpp do.</summary>
    [JsonPropertyName("top_k")] public int? TopK { get; init; }
    [JsonPropertyName("min_p")] public double? MinP { get; init; }
    [JsonPropertyName("repetition_penalty")] public double? RepetitionPenalty { get; init; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; init; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; init; }

    /// <summary>A string or a list of up to four strings.</summary>
    [JsonPropertyName("stop")] public JsonElement? Stop { get; init; }
    [JsonPropertyName("seed")] public int? Seed { get; init; }
    [JsonPropertyName("n")] public int? N { get; init; }

    /// <summary>Sample this many answers server-side and return the best <c>n</c> (OpenAI's legacy completions field; vLLM takes it on chat).</summary>
    [JsonPropertyName("best_of")] public int? BestOf { get; init; }

    /// <summary>Not in OpenAI's API: a check the answers must pass (<c>json</c>, <c>regex:…</c>, <c>exact:…</c>, <c>number:…</c>); verified answers rank first.</summary>
    [JsonPropertyName("verify")] public string? Verify { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; init; }
    [JsonPropertyName("user")] public string? User { get; init; }
}

/// <summary>POST /v1/chat/completions.</summary>
public sealed record ChatCompletionRequest : SamplingRequest
{
    [JsonPropertyName("messages")] public List<ChatMessageInput?>? Messages { get; init; }

    /// <summary>The newer name of <c>max_tokens</c>.</summary>
    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; init; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; init; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; init; }

    /// <summary>
    /// Not in OpenAI's API (vLLM's chat completions take it too): documents to ground the answer in, as Cohere's
    /// (strings or <c>{id, data}</c>), or <c>"auto"</c> to retrieve from the caller's documents. Citations come back as
    /// <c>url_citation</c> annotations on the message.
    /// </summary>
    [JsonPropertyName("documents")] public JsonElement? Documents { get; init; }
    [JsonPropertyName("citation_options")] public CitationOptionsRequest? CitationOptions { get; init; }

    /// <summary><c>{"type": "text"}</c> or <c>{"type": "json_object"}</c> (every reply a JSON object, by constrained decoding).</summary>
    [JsonPropertyName("response_format")] public JsonElement? ResponseFormat { get; init; }

    /// <summary><c>[{"type": "function", "function": {name, description, parameters}}]</c>.</summary>
    [JsonPropertyName("tools")] public JsonElement? Tools { get; init; }

    /// <summary>"auto" (the default with tools), "none", "required", or <c>{"type": "function", "function": {"name": …}}</c>.</summary>
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; init; }
    [JsonPropertyName("parallel_tool_calls")] public bool? ParallelToolCalls { get; init; }
}

/// <summary>POST /v1/completions.</summary>
public sealed record CompletionRequest : SamplingRequest
{
    /// <summary>A string or a list of strings.</summary>
    [JsonPropertyName("prompt")] public JsonElement? Prompt { get; init; }

    /// <summary>Legacy completions: the number of most likely tokens to report per position (0–5).</summary>
    [JsonPropertyName("logprobs")] public int? Logprobs { get; init; }
    [JsonPropertyName("echo")] public bool? Echo { get; init; }
}

/// <summary>POST /v1/embeddings.</summary>
public sealed record EmbeddingRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }

    /// <summary>A string, a list of strings, a token list or a list of token lists.</summary>
    [JsonPropertyName("input")] public JsonElement? Input { get; init; }

    /// <summary>"float" (default) or "base64" (little-endian float32, what the official SDKs ask for).</summary>
    [JsonPropertyName("encoding_format")] public string? EncodingFormat { get; init; }
    [JsonPropertyName("dimensions")] public int? Dimensions { get; init; }
    [JsonPropertyName("user")] public string? User { get; init; }
}
