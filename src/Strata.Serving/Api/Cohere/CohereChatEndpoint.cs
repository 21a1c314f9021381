using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Strata.Models.Generation;
using Strata.Serving.Engine;
using Strata.Serving.Grounding;
using Strata.Serving.Metrics;
using Strata.Serving.Registry;

namespace Strata.Serving.Api.Cohere;

/// <summary>
/// POST /v2/chat with Cohere's field names and stream events (message-start, content-start, content-delta,
/// content-end, message-end). With <c>documents</c> (a list, or <c>"auto"</c> to retrieve from the caller's documents)
/// the answer is grounded: the documents go into the prompt and the answer's citations, found by aligning it with
/// them (<see cref="CitationAligner"/>), come back as <c>message.citations</c> and as citation-start/-end events.
/// </summary>
public static class CohereChatEndpoint
{
    public static async Task HandleAsync(HttpContext http, ModelRegistry registry, ServerMetrics metrics)
    {
        var request = await JsonBody.ReadAsync<CohereChatRequest>(http.Request);
        var engine = registry.Get(GenerationSettings.RequireModelName(request.Model));
        var model = engine.Model;
        var messages = ChatMessages.ToTemplateInput(request.Messages?.Select(m => m is null ? null
            : new ChatMessages.Input(m.Role, m.Content ?? (m.ToolPlan is null ? null : JsonSerializer.SerializeToElement(m.ToolPlan)), m.ToolCalls, m.ToolCallId)).ToList());
        ToolCalling.RequireMatchingCalls(messages);
        var tools = ToolCalling.Read(model, request.Tools, ToolChoice(request.ToolChoice), parallel: true);
        var citationMode = GroundedChat.Mode(request.CitationOptions?.Mode);
        var documents = await GroundedChat.ResolveAsync(http, request.Documents, messages);
        var (groundedMessages, variables) = GroundedChat.Prompt(messages, documents, model.Prompts);
        // The conversation's tool results are cited as Cohere cites them (sources of type "tool"), besides any documents.
        var grounded = new GroundedAnswer([.. documents, .. GroundingDocument.ToolResults(messages)], citationMode,
            modelCites: model.Prompts.ReadsDocuments && documents.Count > 0);
        var prompt = ToolCalling.Prompt(model, tools, groundedMessages, variables);
        int maxTokens = GenerationSettings.MaxTokens(model, prompt.Count, request.MaxTokens, "max_tokens", "messages");
        GenerationSettings.RequireNeutral(request.FrequencyPenalty, "frequency_penalty");
        GenerationSettings.RequireNeutral(request.PresencePenalty, "presence_penalty");
        var sampling = GenerationSettings.Sampling(model, request.Temperature, request.P, request.K, null, null, request.Seed,
            GenerationSettings.StopSequences(request.StopSequences, "stop_sequences"), maxTokens, topPField: "p", topKField: "k") with
        {
            Constraint = ResponseFormats.Cohere(request.ResponseFormat) is { } format
                ? tools.Constraint is null ? format : throw ApiException.BadRequest("response_format cannot be combined with tools", "response_format")
                : tools.Constraint,
            SkipSpecialTokens = !tools.KeepsSpecialTokens,
        };

        using var choices = Choices.Submit(engine, metrics, [new GenerationRequest(prompt, sampling)], http.RequestAborted);
        string id = Guid.NewGuid().ToString();
        // With tools on offer, text before a call is its tool plan, known only once the reply ends: such replies are sent whole.
        ChoiceResult? whole = null;
        if (tools.Active || request.Stream != true)
        {
            whole = (await choices.CollectAsync())[0];
            choices.Completed([whole]);
            var reply = tools.Parse(whole.Text);
            if (reply.Calls.Count > 0)
            {
                await ToolCallReplyAsync(http, id, request.Stream == true, reply, prompt.Count, whole.CompletionTokens);
                return;
            }
        }
        if (request.Stream != true)
        {
            var (text, citations) = grounded.Finish(whole!.Text);
            var message = new CohereAssistantMessage("assistant", [new CohereTextContent("text", text)], citations.Select(CohereCitation.From).ToList());
            await http.Response.WriteAsJsonAsync(new CohereChatResponse(id, FinishReason(whole.FinishReason), message, CohereUsage.Of(prompt.Count, whole.CompletionTokens)),
                JsonBody.ResponseOptions, http.RequestAborted);
            return;
        }

        await ServerSentEvents.StartAsync(http.Response);
        await Event(http, "message-start", new { id, type = "message-start", delta = new { message = new { role = "assistant", content = Array.Empty<object>(), tool_plan = "", tool_calls = Array.Empty<object>(), citations = Array.Empty<object>() } } });
        await Event(http, "content-start", new { type = "content-start", index = 0, delta = new { message = new { content = new { type = "text", text = "" } } } });
        var markup = grounded.StreamFilter();
        Task Send(int _, GenerationChunk chunk) => Delta(http, markup is null ? chunk.Text : markup.Push(chunk.Text));
        ChoiceResult finished;
        string? error = null;
        if (whole is null)
        {
            (var results, var failure) = await choices.StreamAsync(Send);
            (finished, error) = (results[0], failure?.Message);
        }
        else
        {
            // A reply already generated whole (tools were on offer but it called none) streams as its chunks.
            foreach (var chunk in whole.Chunks) await Send(0, chunk);
            finished = whole;
        }
        if (markup is not null && error is null) await Delta(http, markup.Flush());
        // Citations are found once the whole answer is known, so they follow its last content delta.
        var streamedCitations = error is null ? grounded.Finish(finished.Text).Citations : [];
        for (int i = 0; i < streamedCitations.Count; i++)
        {
            await Event(http, "citation-start", new { type = "citation-start", index = i, delta = new { message = new { citations = CohereCitation.From(streamedCitations[i]) } } });
            await Event(http, "citation-end", new { type = "citation-end", index = i });
        }
        await Event(http, "content-end", new { type = "content-end", index = 0 });
        await Event(http, "message-end", new
        {
            id,
            type = "message-end",
            delta = new { error, finish_reason = error is null ? FinishReason(finished.FinishReason) : "ERROR", usage = CohereUsage.Of(prompt.Count, finished.CompletionTokens) },
        });
        await ServerSentEvents.WriteDoneAsync(http.Response);
    }

    /// <summary>Cohere's <c>tool_choice</c>: REQUIRED or NONE, as OpenAI's required and none.</summary>
    private static JsonElement? ToolChoice(string? choice) => choice switch
    {
        null => null,
        "REQUIRED" => JsonSerializer.SerializeToElement("required"),
        "NONE" => JsonSerializer.SerializeToElement("none"),
        _ => throw ApiException.BadRequest($"tool_choice must be REQUIRED or NONE, not '{choice}'", "tool_choice"),
    };

    /// <summary>A reply that calls tools: <c>tool_plan</c> and <c>tool_calls</c>, whole or as Cohere's tool stream events.</summary>
    private static async Task ToolCallReplyAsync(HttpContext http, string id, bool stream, Strata.Models.Tools.ParsedReply reply, int promptTokens, int completionTokens)
    {
        var calls = reply.Calls.Select(OpenAi.ToolCallOut.From).ToList();
        if (!stream)
        {
            var message = new CohereAssistantMessage("assistant", ToolPlan: reply.Content ?? "", ToolCalls: calls);
            await http.Response.WriteAsJsonAsync(new CohereChatResponse(id, "TOOL_CALL", message, CohereUsage.Of(promptTokens, completionTokens)),
                JsonBody.ResponseOptions, http.RequestAborted);
            return;
        }
        await ServerSentEvents.StartAsync(http.Response);
        await Event(http, "message-start", new { id, type = "message-start", delta = new { message = new { role = "assistant", content = Array.Empty<object>(), tool_plan = "", tool_calls = Array.Empty<object>(), citations = Array.Empty<object>() } } });
        if (reply.Content is { } plan) await Event(http, "tool-plan-delta", new { type = "tool-plan-delta", delta = new { message = new { tool_plan = plan } } });
        for (int i = 0; i < calls.Count; i++)
        {
            await Event(http, "tool-call-start", new { type = "tool-call-start", index = i, delta = new { message = new { tool_calls = new { id = calls[i].Id, type = calls[i].Type, function = new { name = calls[i].Function.Name, arguments = "" } } } } });
            await Event(http, "tool-call-delta", new { type = "tool-call-delta", index = i, delta = new { message = new { tool_calls = new { function = new { arguments = calls[i].Function.Arguments } } } } });
            await Event(http, "tool-call-end", new { type = "tool-call-end", index = i });
        }
        await Event(http, "message-end", new { id, type = "message-end", delta = new { finish_reason = "TOOL_CALL", usage = CohereUsage.Of(promptTokens, completionTokens) } });
        await ServerSentEvents.WriteDoneAsync(http.Response);
    }

    private static Task Event(HttpContext http, string name, object payload) => ServerSentEvents.WriteAsync(http.Response, payload, name);

    private static Task Delta(HttpContext http, string text) => text.Length == 0 ? Task.CompletedTask
        : Event(http, "content-delta", new { type = "content-delta", index = 0, delta = new { message = new { content = new { text } } } });

    public static string FinishReason(FinishReason reason) => reason switch
    {
        Strata.Models.Generation.FinishReason.EndOfSequence => "COMPLETE",
        Strata.Models.Generation.FinishReason.StopSequence => "STOP_SEQUENCE",
        _ => "MAX_TOKENS",
    };
}
