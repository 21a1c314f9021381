using System.Text.Json.Serialization;

namespace Strata.Serving.Api;

/// <summary>Cohere's <c>citation_options</c> (also accepted on OpenAI chat with <c>documents</c>): <c>mode</c> fast, accurate (default) or off.</summary>
public sealed record CitationOptionsRequest
{
    [JsonPropertyName("mode")] public string? Mode { get; init; }
}
