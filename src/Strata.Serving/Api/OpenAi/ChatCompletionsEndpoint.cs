using Microsoft.AspNetCore.Http;
using Strata.Models.Generation;
using Strata.Serving.Engine;
using Strata.Serving.Grounding;
using Strata.Serving.Metrics;
using Strata.Serving.Registry;

namespace Strata.Serving.Api.OpenAi;

/// <summary>
/// POST /v1/chat/completions, as OpenAI defines it (streaming, n, logprobs, usage), plus grounding: with
/// <c>documents</c> the answer's citations come back as <c>url_citation</c> annotations (see <see cref="GroundedChat"/>).
/// </summary>
public static class ChatCompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext http, ModelRegistry registry, ServerMetrics metrics)
    {
        var request = await JsonBody.ReadAsync<ChatCompletionRequest>(http.Request);
        var engine = registry.Get(GenerationSettings.RequireModelName(request.Model));
        var model = engine.Model;
        var messages = ChatMessageInput.ToTemplateInput(request.Messages);
        ToolCalling.RequireMatchingCalls(messages);
        var tools = ToolCalling.Read(model, request.Tools, request.ToolChoice, request.ParallelToolCalls);
        var citationMode = GroundedChat.Mode(request.CitationOptions?.Mode);
        var documents = await GroundedChat.ResolveAsync(http, request.Documents, messages);
        var (groundedMessages, variables) = GroundedChat.Prompt(messages, documents, model.Prompts);
        var grounded = new GroundedAnswer(documents, citationMode, modelCites: model.Prompts.ReadsDocuments);
        var prompt = ToolCalling.Prompt(model, tools, groundedMessages, variables);
        string maxField = request.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens";
        int maxTokens = GenerationSettings.MaxTokens(model, prompt.Count, request.MaxCompletionTokens ?? request.MaxTokens, maxField, "messages");
        GenerationSettings.RequireNeutral(request.FrequencyPenalty, "frequency_penalty");
        GenerationSettings.RequireNeutral(request.PresencePenalty, "presence_penalty");
        int n = GenerationSettings.Choices(request.N);
        int? topLogprobs = null;
        if (request.TopLogprobs is int k)
        {
            if (request.Logprobs != true) throw ApiException.BadRequest("top_logprobs requires logprobs to be true", "top_logprobs");
            if (k < 0 || k > GenerationSettings.MaxTopLogprobs) throw ApiException.BadRequest($"top_logprobs must be between 0 and {GenerationSettings.MaxTopLogprobs}", "top_logprobs");
            topLogprobs = k;
        }
        else if (request.Logprobs == true)
        {
            topLogprobs = 0;
        }
        var (candidates, verifier) = VerifiedChoices.Read(n, request.BestOf, request.Verify, request.Stream == true);
        bool searching = candidates > n || verifier is not null;
        var sampling = GenerationSettings.Sampling(model, request.Temperature, request.TopP, request.TopK, request.MinP,
            request.RepetitionPenalty, request.Seed, GenerationSettings.StopSequences(request.Stop), maxTokens) with
        {
            Constraint = Constraint(ResponseFormats.OpenAi(request.ResponseFormat), tools),
            SkipSpecialTokens = !tools.KeepsSpecialTokens,
        };
        // A search ranks candidates by their tokens' log-probabilities, so it always asks for them.
        var requests = Enumerable.Range(0, candidates)
            .Select(i => new GenerationRequest(prompt, sampling with { Seed = sampling.Seed + i }, searching ? topLogprobs ?? 0 : topLogprobs))
            .ToArray();

        using var choices = Choices.Submit(engine, metrics, requests, http.RequestAborted);
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request.Stream == true)
        {
            await StreamAsync(http, choices, model, id, created, prompt.Count, request.StreamOptions?.IncludeUsage == true, topLogprobs is not null, grounded, tools);
            return;
        }
        var all = await choices.CollectAsync();
        choices.Completed(all);
        int completionTokens = all.Sum(r => r.CompletionTokens);   // every candidate sampled counts, as OpenAI bills best_of
        var results = searching ? VerifiedChoices.Pick(all, n, verifier) : all;
        var body = new ChatCompletion(id, "chat.completion", created, model.Name,
            results.Select(r =>
            {
                var reply = tools.Parse(r.Text);
                var message = Message(grounded, reply.Calls.Count > 0 ? reply.Content ?? "" : r.Text);
                if (reply.Calls.Count > 0) message = message with { Content = reply.Content, ToolCalls = reply.Calls.Select(ToolCallOut.From).ToList() };
                return new ChatChoice(r.Index, message,
                    topLogprobs is null ? null : new ChoiceLogprobs(r.Chunks.Where(c => c.Logprob is not null).Select(c => Logprobs.Entry(model, c)).ToList()),
                    reply.Calls.Count > 0 ? "tool_calls" : Choices.OpenAiFinishReason(r.FinishReason));
            }).ToList(),
            new Usage(prompt.Count, completionTokens, prompt.Count + completionTokens));
        await http.Response.WriteAsJsonAsync(body, JsonBody.ResponseOptions, http.RequestAborted);
    }

    /// <summary>One constraint per request: a response format and offered tools would each need the whole reply.</summary>
    private static Strata.Models.Generation.Constraints.ITokenConstraint? Constraint(Strata.Models.Generation.Constraints.ITokenConstraint? format, Strata.Models.Tools.ToolUse tools)
    {
        if (format is not null && tools.Constraint is not null)
            throw ApiException.BadRequest("response_format cannot be combined with tools; use tool_choice none, or a tool whose parameters are the schema", "response_format");
        return format ?? tools.Constraint;
    }

    /// <summary>The answer with its citations as annotations (no field when the request had no documents).</summary>
    private static AssistantMessage Message(GroundedAnswer grounded, string raw)
    {
        var (text, citations) = grounded.Finish(raw);
        return new AssistantMessage("assistant", text, Annotations: grounded.HasDocuments ? citations.SelectMany(GroundedChat.ToOpenAi).ToList() : null);
    }

    private static async Task StreamAsync(HttpContext http, Choices choices, ServedModel model, string id, long created,
        int promptTokens, bool includeUsage, bool withLogprobs, GroundedAnswer grounded, Strata.Models.Tools.ToolUse tools)
    {
        var markup = Enumerable.Range(0, choices.Count).Select(_ => grounded.StreamFilter()).ToArray();
        var calls = Enumerable.Range(0, choices.Count).Select(_ => new ToolCallStream(tools)).ToArray();
        await ServerSentEvents.StartAsync(http.Response);
        for (int i = 0; i < choices.Count; i++)
        {
            await ServerSentEvents.WriteAsync(http.Response, Chunk(id, created, model, new ChatChunkChoice(i, new ChatDelta("assistant", ""), null, null)));
        }
        var answers = Enumerable.Range(0, choices.Count).Select(_ => new System.Text.StringBuilder()).ToArray();
        var (results, error) = await choices.StreamAsync(async (index, chunk) =>
        {
            answers[index].Append(chunk.Text);
            // A tool call is held back until it is whole; a citing model's markup is held back and removed; the rest streams as it comes.
            string visible = calls[index].Push(chunk.Text);
            Strata.Models.Tools.ParsedReply? reply = null;
            if (chunk.FinishReason is not null)
            {
                (string rest, reply) = calls[index].Finish();
                visible += rest;
            }
            string text = markup[index] is { } filter ? filter.Push(visible) + (chunk.FinishReason is null ? "" : filter.Flush()) : visible;
            var logprobs = withLogprobs && chunk.Logprob is not null ? new ChoiceLogprobs([Logprobs.Entry(model, chunk)]) : null;
            if (text.Length > 0 || logprobs is not null)
            {
                await ServerSentEvents.WriteAsync(http.Response, Chunk(id, created, model, new ChatChunkChoice(index, new ChatDelta(null, text), logprobs, null)));
            }
            if (chunk.FinishReason is FinishReason reason)
            {
                // Citations need the whole answer: they come in one delta just before the choice's finish.
                if (Message(grounded, answers[index].ToString()).Annotations is { Count: > 0 } annotations)
                {
                    await ServerSentEvents.WriteAsync(http.Response, Chunk(id, created, model, new ChatChunkChoice(index, new ChatDelta(null, null, annotations), null, null)));
                }
                // Each call as OpenAI streams one: id, type and name first, then its arguments.
                for (int k = 0; k < reply!.Calls.Count; k++)
                {
                    var call = reply.Calls[k];
                    await ServerSentEvents.WriteAsync(http.Response, Chunk(id, created, model, new ChatChunkChoice(index,
                        new ChatDelta(null, null, ToolCalls: [new ToolCallDelta(k, call.Id, "function", new FunctionCallOut(call.Name, ""))]), null, null)));
                    await ServerSentEvents.WriteAsync(http.Response, Chunk(id, created, model, new ChatChunkChoice(index,
                        new ChatDelta(null, null, ToolCalls: [new ToolCallDelta(k, null, null, new FunctionCallOut(null, call.Arguments))]), null, null)));
                }
                await ServerSentEvents.WriteAsync(http.Response, Chunk(id, created, model,
                    new ChatChunkChoice(index, new ChatDelta(null, null), null, reply.Calls.Count > 0 ? "tool_calls" : Choices.OpenAiFinishReason(reason))));
            }
        });
        if (error is not null) await ServerSentEvents.WriteAsync(http.Response, StreamError.From(error));
        if (includeUsage)
        {
            int completion = results.Sum(r => r.CompletionTokens);
            await ServerSentEvents.WriteAsync(http.Response, new ChatCompletionChunk(id, "chat.completion.chunk", created, model.Name, [],
                new Usage(promptTokens, completion, promptTokens + completion)));
        }
        await ServerSentEvents.WriteDoneAsync(http.Response);
    }

    private static ChatCompletionChunk Chunk(string id, long created, ServedModel model, ChatChunkChoice choice) =>
        new(id, "chat.completion.chunk", created, model.Name, [choice]);
}

/// <summary>OpenAI's per-token logprob entries: token text, logprob, UTF-8 bytes and the top alternatives.</summary>
public static class Logprobs
{
    public static LogprobEntry Entry(ServedModel model, GenerationChunk chunk)
    {
        int id = chunk.TokenId!.Value;
        return new LogprobEntry(model.Tokenizer.Decode([id]), chunk.Logprob!.Value, Bytes(model, id),
            (chunk.TopLogprobs ?? []).Select(t => new TopLogprobEntry(model.Tokenizer.Decode([t.TokenId]), t.Logprob, Bytes(model, t.TokenId))).ToList());
    }

    public static int[] Bytes(ServedModel model, int id) => model.TokenBytes(id).Select(b => (int)b).ToArray();
}
