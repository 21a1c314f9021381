namespace Strata.Serving.Api;

/// <summary>
/// A request the server refuses, with the HTTP status, a message for the caller and the offending field. Endpoints
/// throw it; <see cref="ApiErrors"/> turns it into the JSON error body the calling API family expects.
/// </summary>
public sealed class ApiException(int status, string message, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>The request field at fault (OpenAI's <c>param</c>), e.g. <c>max_tokens</c> or <c>messages[2].role</c>.</summary>
    public string? Param { get; } = param;

    /// <summary>A machine-readable code, e.g. <c>model_not_found</c>, <c>context_length_exceeded</c>.</summary>
    public string? Code { get; } = code;

    /// <summary>Seconds a client should wait before retrying (429 and 503).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiException BadRequest(string message, string? param = null, string? code = null) => new(400, message, param, code);

    public static ApiException ModelNotFound(string model) =>
        new(404, $"The model '{model}' does not exist; GET /v1/models lists the loaded models.", "model", "model_not_found");
}
