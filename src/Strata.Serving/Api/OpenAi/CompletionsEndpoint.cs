using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Strata.Models.Generation;
using Strata.Serving.Engine;
using Strata.Serving.Metrics;
using Strata.Serving.Registry;

namespace Strata.Serving.Api.OpenAi;

/// <summary>POST /v1/completions: raw text in, text out (one or several prompts, each with n choices).</summary>
public static class CompletionsEndpoint
{
    public const int MaxPrompts = 16;
    public const int MaxLegacyLogprobs = 5;

    public static async Task HandleAsync(HttpContext http, ModelRegistry registry, ServerMetrics metrics)
    {
        var request = await JsonBody.ReadAsync<CompletionRequest>(http.Request);
        var engine = registry.Get(GenerationSettings.RequireModelName(request.Model));
        var model = engine.Model;
        var prompts = Prompts(model, request.Prompt);
        var encoded = prompts.Select(p => p.Ids).ToArray();
        int n = GenerationSettings.Choices(request.N);
        if (prompts.Count * n > GenerationSettings.MaxChoices)
        {
            throw ApiException.BadRequest($"{prompts.Count} prompts × n = {n} asks for {prompts.Count * n} completions; at most {GenerationSettings.MaxChoices} per request", "n");
        }
        if (request.Logprobs is int lp && (lp < 0 || lp > MaxLegacyLogprobs)) throw ApiException.BadRequest($"logprobs must be between 0 and {MaxLegacyLogprobs}", "logprobs");
        GenerationSettings.RequireNeutral(request.FrequencyPenalty, "frequency_penalty");
        GenerationSettings.RequireNeutral(request.PresencePenalty, "presence_penalty");
        var (candidates, verifier) = VerifiedChoices.Read(n, request.BestOf, request.Verify, request.Stream == true);
        bool searching = candidates > n || verifier is not null;
        if (searching && prompts.Count > 1) throw ApiException.BadRequest("best_of and verify take a single prompt", request.BestOf is null ? "verify" : "best_of");
        var stops = GenerationSettings.StopSequences(request.Stop);
        var requests = new List<GenerationRequest>();
        foreach (var ids in encoded)
        {
            int maxTokens = GenerationSettings.MaxTokens(model, ids.Count, request.MaxTokens ?? 16, "max_tokens", "prompt"); // OpenAI's default is 16
            var sampling = GenerationSettings.Sampling(model, request.Temperature, request.TopP, request.TopK, request.MinP,
                request.RepetitionPenalty, request.Seed, stops, maxTokens);
            for (int j = 0; j < candidates; j++) requests.Add(new GenerationRequest(ids, sampling with { Seed = sampling.Seed + j }, searching ? request.Logprobs ?? 0 : request.Logprobs));
        }

        using var choices = Choices.Submit(engine, metrics, requests, http.RequestAborted);
        string id = "cmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        int promptTokens = encoded.Sum(e => e.Count);
        string Echo(int choice) => request.Echo == true ? prompts[choice / n].Text : "";

        if (request.Stream == true)
        {
            await ServerSentEvents.StartAsync(http.Response);
            var echoed = new bool[requests.Count];
            var (streamed, error) = await choices.StreamAsync(async (index, chunk) =>
            {
                string text = (echoed[index] ? "" : Echo(index)) + chunk.Text;
                echoed[index] = true;
                var logprobs = request.Logprobs is null || chunk.TokenId is null ? null : Legacy(model, [chunk], 0);
                string? finish = chunk.FinishReason is FinishReason reason ? Choices.OpenAiFinishReason(reason) : null;
                if (text.Length == 0 && logprobs is null && finish is null) return;
                await ServerSentEvents.WriteAsync(http.Response, new Completion(id, "text_completion", created, model.Name,
                    [new CompletionChoice(text, index, logprobs, finish)], null));
            });
            if (error is not null) await ServerSentEvents.WriteAsync(http.Response, StreamError.From(error));
            if (request.StreamOptions?.IncludeUsage == true)
            {
                int generated = streamed.Sum(r => r.CompletionTokens);
                await ServerSentEvents.WriteAsync(http.Response, new Completion(id, "text_completion", created, model.Name, [],
                    new Usage(promptTokens, generated, promptTokens + generated)));
            }
            await ServerSentEvents.WriteDoneAsync(http.Response);
            return;
        }

        var all = await choices.CollectAsync();
        choices.Completed(all);
        int completion = all.Sum(r => r.CompletionTokens);   // every candidate sampled counts, as OpenAI bills best_of
        var results = searching ? VerifiedChoices.Pick(all, n, verifier) : all;
        var body = new Completion(id, "text_completion", created, model.Name,
            results.Select(r => new CompletionChoice(Echo(r.Index) + r.Text, r.Index,
                request.Logprobs is null ? null : Legacy(model, r.Chunks.Where(c => c.TokenId is not null).ToList(), Echo(r.Index).Length),
                Choices.OpenAiFinishReason(r.FinishReason))).ToList(),
            new Usage(promptTokens, completion, promptTokens + completion));
        await http.Response.WriteAsJsonAsync(body, JsonBody.ResponseOptions, http.RequestAborted);
    }

    private static List<TokenInput> Prompts(ServedModel model, JsonElement? prompt) =>
        TokenInputs.Parse(model, prompt, "prompt", MaxPrompts, "prompts", (text, field) =>
        {
            var ids = model.EncodeCompletionPrompt(text);
            return ids.Count > 0 ? ids : throw ApiException.BadRequest($"{field} is empty and the model has no BOS token to start from", field);
        });

    private static CompletionLogprobs Legacy(ServedModel model, IReadOnlyList<GenerationChunk> chunks, int offset)
    {
        var tokens = new List<string>();
        var logprobs = new List<double>();
        var top = new List<Dictionary<string, double>>();
        var offsets = new List<int>();
        foreach (var chunk in chunks)
        {
            string token = model.Tokenizer.Decode([chunk.TokenId!.Value]);
            tokens.Add(token);
            logprobs.Add(chunk.Logprob ?? 0);
            var alternatives = new Dictionary<string, double>();
            foreach (var t in chunk.TopLogprobs ?? []) alternatives.TryAdd(model.Tokenizer.Decode([t.TokenId]), t.Logprob);
            top.Add(alternatives);
            offsets.Add(offset);
            offset += token.Length;
        }
        return new CompletionLogprobs(tokens, logprobs, top, offsets);
    }
}
