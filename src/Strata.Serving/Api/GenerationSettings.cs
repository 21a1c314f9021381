using System.Text.Json;
using Strata.Models.Generation;
using Strata.Serving.Registry;

namespace Strata.Serving.Api;

/// <summary>
/// Request limits and the checks every generation endpoint shares: each failure is a 400 naming its field, so the
/// engine only ever sees requests it can run.
/// </summary>
public static class GenerationSettings
{
    public const int MaxStopSequences = 4;      // OpenAI's limit
    public const int MaxChoices = 16;
    public const int MaxTopLogprobs = 20;
    public const int DefaultMaxTokens = 512;

    /// <summary>The tokens a completion may add: <paramref name="requested"/>, checked against what the context leaves.</summary>
    public static int MaxTokens(ServedModel model, int promptTokens, int? requested, string field, string promptField)
    {
        long room = (long)model.ContextLength - promptTokens;
        if (room <= 0)
        {
            throw ApiException.BadRequest(
                $"the prompt has {promptTokens} tokens; the model's context holds {model.ContextLength}, leaving no room for a reply",
                promptField, "context_length_exceeded");
        }
        if (requested is null) return (int)Math.Min(room, DefaultMaxTokens);
        if (requested < 1) throw ApiException.BadRequest($"{field} must be at least 1", field);
        if (requested > room)
        {
            throw ApiException.BadRequest(
                $"{field} is {requested}, but the model's context holds {model.ContextLength} tokens and the prompt uses {promptTokens}; at most {room} can be generated",
                field, "context_length_exceeded");
        }
        return requested.Value;
    }

    public static SamplingOptions Sampling(ServedModel model, double? temperature, double? topP, int? topK, double? minP,
        double? repetitionPenalty, int? seed, IReadOnlyList<string> stops, int maxTokens,
        string temperatureField = "temperature", string topPField = "top_p", string topKField = "top_k")
    {
        if (temperature is double t && !(t >= 0 && t <= 2)) throw ApiException.BadRequest($"{temperatureField} must be between 0 and 2", temperatureField);
        if (topP is double p && !(p > 0 && p <= 1)) throw ApiException.BadRequest($"{topPField} must be in (0, 1]", topPField);
        if (topK is < 0) throw ApiException.BadRequest($"{topKField} must be >= 0", topKField);
        if (minP is double m && !(m >= 0 && m <= 1)) throw ApiException.BadRequest("min_p must be in [0, 1]", "min_p");
        if (repetitionPenalty is double r && !(r > 0 && r <= 10)) throw ApiException.BadRequest("repetition_penalty must be in (0, 10]", "repetition_penalty");
        return new SamplingOptions
        {
            Temperature = temperature ?? model.Metadata.DefaultTemperature ?? 1.0,
            TopP = topP ?? model.Metadata.DefaultTopP ?? 1.0,
            TopK = topK ?? model.Metadata.DefaultTopK ?? 0,
            MinP = minP ?? 0,
            RepetitionPenalty = repetitionPenalty ?? 1.0,
            Seed = seed,
            MaxTokens = maxTokens,
            StopSequences = stops,
        };
    }

    /// <summary>OpenAI's <c>stop</c>: null, a string, or a list of up to four non-empty strings.</summary>
    public static IReadOnlyList<string> StopSequences(JsonElement? stop, string field = "stop")
    {
        if (stop is not JsonElement element || element.ValueKind == JsonValueKind.Null) return [];
        string[] stops = element.ValueKind switch
        {
            JsonValueKind.String => [element.GetString()!],
            JsonValueKind.Array => element.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw ApiException.BadRequest($"{field}[{i}] must be a string", $"{field}[{i}]")).ToArray(),
            _ => throw ApiException.BadRequest($"{field} must be a string or a list of strings", field),
        };
        if (stops.Length > MaxStopSequences) throw ApiException.BadRequest($"{field} has {stops.Length} sequences; at most {MaxStopSequences} are allowed", field);
        if (stops.Any(s => s.Length == 0)) throw ApiException.BadRequest($"{field} sequences must not be empty", field);
        return stops;
    }

    public static int Choices(int? n)
    {
        if (n is null) return 1;
        if (n < 1 || n > MaxChoices) throw ApiException.BadRequest($"n must be between 1 and {MaxChoices}", "n");
        return n.Value;
    }

    /// <summary>Penalties Strata does not implement are accepted at their neutral value only, never silently ignored.</summary>
    public static void RequireNeutral(double? value, string field)
    {
        if (value is double v && v != 0) throw ApiException.BadRequest($"{field} is not supported; use repetition_penalty", field, "unsupported_parameter");
    }

    public static string RequireModelName(string? model) =>
        string.IsNullOrWhiteSpace(model) ? throw ApiException.BadRequest("model is required", "model") : model;
}
