using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Strata.Serving.Metrics;
using Strata.Serving.Registry;

namespace Strata.Serving.Api.Cohere;

/// <summary>
/// POST /v1/summarize, as Cohere's: a language model asked, in the conversation its template expects, for a summary of
/// the requested <c>length</c>, <c>format</c> and <c>extractiveness</c>. The instructions are plain words the way
/// Cohere describes the options, so any tuned chat model can follow them.
/// </summary>
public static class CohereSummarizeEndpoint
{
    private static readonly Dictionary<string, (string Words, int MaxTokens)> Lengths = new()
    {
        ["short"] = ("one or two sentences", 96),
        ["medium"] = ("three to five sentences", 192),
        ["long"] = ("a detailed summary of several paragraphs", 384),
        ["auto"] = ("as long as the text needs", 192),
    };

    private static readonly Dictionary<string, string> Formats = new()
    {
        ["paragraph"] = "Write it as a paragraph.",
        ["bullets"] = "Write it as bullet points, one per line starting with \"- \".",
        ["auto"] = "",
    };

    private static readonly Dictionary<string, string> Extractiveness = new()
    {
        ["low"] = "Use your own words.",
        ["medium"] = "Reuse the text's key phrases where it helps.",
        ["high"] = "Reuse the text's own sentences where you can.",
        ["auto"] = "",
    };

    public static async Task HandleAsync(HttpContext http, ModelRegistry registry, ServerMetrics metrics)
    {
        var request = await JsonBody.ReadAsync<CohereSummarizeRequest>(http.Request);
        var engine = registry.Get(GenerationSettings.RequireModelName(request.Model));
        if (string.IsNullOrWhiteSpace(request.Text)) throw ApiException.BadRequest("text must be a non-empty string", "text");
        var length = Option(Lengths, request.Length, "length");
        string format = Option(Formats, request.Format, "format");
        string extractive = Option(Extractiveness, request.Extractiveness, "extractiveness");
        string instruction = string.Join(' ', new[] { $"Summarize the text below in {length.Words}.", format, extractive, request.AdditionalCommand ?? "" }.Where(s => s.Length > 0));
        var messages = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"{instruction}\n\n{request.Text}" });
        var prompt = ChatMessages.EncodePrompt(engine.Model, messages);
        int maxTokens = GenerationSettings.MaxTokens(engine.Model, prompt.Count, Math.Min(length.MaxTokens, engine.Model.ContextLength - prompt.Count), "text", "text");
        var sampling = GenerationSettings.Sampling(engine.Model, request.Temperature ?? 0.3, null, null, null, null, null, [], maxTokens);
        using var choices = Choices.Submit(engine, metrics, [new Engine.GenerationRequest(prompt, sampling)], http.RequestAborted);
        var result = (await choices.CollectAsync())[0];
        choices.Completed([result]);
        var meta = CohereMeta.Version("1", new CohereBilledUnits(InputTokens: prompt.Count, OutputTokens: result.CompletionTokens));
        await http.Response.WriteAsJsonAsync(new CohereSummarizeResponse(Guid.NewGuid().ToString(), result.Text.Trim(), meta), JsonBody.ResponseOptions, http.RequestAborted);
    }

    private static T Option<T>(Dictionary<string, T> options, string? value, string field) =>
        options.TryGetValue((value ?? "auto").ToLowerInvariant(), out var option) ? option
        : throw ApiException.BadRequest($"{field} must be one of {string.Join(", ", options.Keys)}", field);
}
