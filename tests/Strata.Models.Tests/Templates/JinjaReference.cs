using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Models.Tests.Templates;

/// <summary>One render for the reference: a template, its conversation and context.</summary>
public sealed record TemplateRequest(string Template, JsonArray Messages, bool AddGenerationPrompt, IReadOnlyDictionary<string, JsonNode?> Variables, string? Now = null);

/// <summary>The reference's answer: the rendered text, or the error the template raised.</summary>
public sealed record ReferenceResult(string? Output, string? Error);

/// <summary>
/// Renders with Hugging Face's @huggingface/jinja (tests/tools/render-chat-template.mjs), the renderer of
/// transformers.js and an implementation independent of Strata. All requests go through one node process.
/// </summary>
public static class JinjaReference
{
    public static IReadOnlyList<ReferenceResult> RenderAll(IReadOnlyList<TemplateRequest> requests)
    {
        var batch = new JsonArray();
        foreach (TemplateRequest request in requests)
        {
            var variables = new JsonObject();
            foreach (var (name, value) in request.Variables) variables[name] = value?.DeepClone();
            var item = new JsonObject
            {
                ["template"] = request.Template,
                ["messages"] = request.Messages.DeepClone(),
                ["add_generation_prompt"] = request.AddGenerationPrompt,
                ["variables"] = variables,
            };
            if (request.Now is not null) item["now"] = request.Now;
            batch.Add(item);
        }
        string output = NodeTools.RunScript("render-chat-template.mjs", batch.ToJsonString());
        var results = JsonSerializer.Deserialize<List<ReferenceResult>>(output, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
            ?? throw new InvalidDataException("render-chat-template.mjs printed null");
        if (results.Count != requests.Count) throw new InvalidDataException($"{results.Count} results for {requests.Count} requests");
        return results;
    }

    public static ReferenceResult Render(TemplateRequest request) => RenderAll([request])[0];
}

/// <summary>A clock stopped at one UTC instant that is also local time, for <c>strftime_now</c>.</summary>
public sealed class FixedClock(DateTimeOffset utcNow) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => utcNow;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
