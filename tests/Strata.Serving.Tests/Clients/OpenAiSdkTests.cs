using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using Strata.Serving.Tests.Support;

// Seed and OpenAIContext are marked experimental (OPENAI001) in the SDK; they are stable parts of the wire format we serve.
#pragma warning disable OPENAI001

namespace Strata.Serving.Tests.Clients;

/// <summary>
/// The official OpenAI .NET SDK, unchanged, pointed at Strata: every call goes through the SDK's own request
/// serialisation and response parsing, so a field Strata names or shapes differently fails here.
/// </summary>
public sealed class OpenAiSdkTests(RunningServer server) : IClassFixture<RunningServer>
{
    // The SDK's default endpoint is https://api.openai.com/v1 and it appends "chat/completions" etc., so the
    // base address must include /v1.
    private readonly RequestRecorder requests = new();

    private OpenAIClient Client()
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1"), NetworkTimeout = TimeSpan.FromSeconds(60) };
        options.AddPolicy(requests, PipelinePosition.PerCall);
        return new OpenAIClient(new ApiKeyCredential("unused"), options);
    }

    private ChatClient Chat() => Client().GetChatClient(RunningServer.ModelName);

    private static readonly ChatMessage[] Hello = [new SystemChatMessage("Be brief."), new UserChatMessage("Hello there")];

    [Fact]
    public async Task CompleteChatReturnsTextAndConsistentUsage()
    {
        ChatCompletion completion = await Chat().CompleteChatAsync(Hello, new ChatCompletionOptions { MaxOutputTokenCount = 8 });

        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.Equal(RunningServer.ModelName, completion.Model);
        string text = Assert.Single(completion.Content).Text;
        Assert.True(text.Length > 0 || completion.FinishReason == ChatFinishReason.Length, $"empty text with finish reason {completion.FinishReason}");
        Assert.Contains(completion.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 8);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        // A length stop means the server generated exactly the budget.
        if (completion.FinishReason == ChatFinishReason.Length) Assert.Equal(8, completion.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task JsonSchemaResponseFormatGivesObjectsOfThatShape()
    {
        var schema = BinaryData.FromString("""{"type": "object", "properties": {"name": {"type": "string", "maxLength": 6}, "legs": {"type": "integer", "minimum": 0, "maximum": 8}}, "required": ["name", "legs"], "additionalProperties": false}""");
        int finished = 0;
        for (int seed = 0; seed < 6; seed++)
        {
            var options = new ChatCompletionOptions
            {
                MaxOutputTokenCount = 96,
                Temperature = 1.0f,
                Seed = seed,
                ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("animal", schema, jsonSchemaIsStrict: true),
            };
            ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage("An animal")], options);
            if (completion.FinishReason != ChatFinishReason.Stop) continue;
            using var document = JsonDocument.Parse(Assert.Single(completion.Content).Text);
            Assert.Equal(["name", "legs"], document.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.InRange(document.RootElement.GetProperty("legs").GetInt32(), 0, 8);
            finished++;
        }
        Assert.True(finished > 0, "no schema-constrained reply ended within 96 tokens");
    }

    [Fact]
    public async Task RequiredToolCallsParseWholeAndStreamed()
    {
        var add = ChatTool.CreateFunctionTool("add", null, BinaryData.FromString(
            """{"type": "object", "properties": {"a": {"type": "integer", "maximum": 99}, "b": {"type": "integer", "maximum": 99}}, "required": ["a", "b"], "additionalProperties": false}"""));
        int seed = 0;
        ChatCompletionOptions Options() => new() { MaxOutputTokenCount = 140, Temperature = 0.8f, Seed = seed, Tools = { add }, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        ChatMessage[] question = [new UserChatMessage("2+3?")];
        ChatCompletion whole = await Chat().CompleteChatAsync(question, Options());
        // A random model may run out of tokens inside the call; the first seed whose call ends is used.
        while (whole.FinishReason == ChatFinishReason.Length && seed < 8)
        {
            seed++;
            whole = await Chat().CompleteChatAsync(question, Options());
        }
        Assert.Equal(ChatFinishReason.ToolCalls, whole.FinishReason);
        var call = Assert.Single(whole.ToolCalls);
        Assert.Equal("add", call.FunctionName);
        using (var arguments = JsonDocument.Parse(call.FunctionArguments))
            Assert.True(arguments.RootElement.GetProperty("a").GetInt32() <= 99 && arguments.RootElement.GetProperty("b").GetInt32() <= 99);

        // Streamed: the SDK's own tool-call updates, accumulated by index, give the same call.
        var names = new Dictionary<int, string>();
        var streamedArguments = new Dictionary<int, System.Text.StringBuilder>();
        ChatFinishReason? finish = null;
        await foreach (var update in Chat().CompleteChatStreamingAsync(question, Options()))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                if (part.FunctionName is not null) names[part.Index] = part.FunctionName;
                if (!streamedArguments.TryGetValue(part.Index, out var text)) streamedArguments[part.Index] = text = new();
                text.Append(part.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= update.FinishReason;
        }
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal("add", Assert.Single(names).Value);
        Assert.Equal(call.FunctionArguments.ToString(), streamedArguments[0].ToString());

        // The call and its result sent back: the conversation goes on.
        ChatMessage[] followUp = [.. question, new AssistantChatMessage([call]), new ToolChatMessage(call.Id, "5")];
        ChatCompletion answer = await Chat().CompleteChatAsync(followUp, new ChatCompletionOptions { MaxOutputTokenCount = 6, Tools = { add }, ToolChoice = ChatToolChoice.CreateNoneChoice() });
        Assert.NotEqual(ChatFinishReason.ToolCalls, answer.FinishReason);
        Assert.Contains("\"tool_call_id\":\"" + call.Id + "\"", requests.Last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonObjectResponseFormatGivesParsableObjects()
    {
        int finished = 0;
        for (int seed = 0; seed < 8; seed++)
        {
            var options = new ChatCompletionOptions
            {
                MaxOutputTokenCount = 96,
                Temperature = 1.2f,
                Seed = seed,
                ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat(),
            };
            ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage("Describe a cat as JSON")], options);
            string text = Assert.Single(completion.Content).Text;
            Assert.StartsWith("{", text.TrimStart());
            if (completion.FinishReason != ChatFinishReason.Stop) continue;
            using var document = JsonDocument.Parse(text);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            finished++;
        }
        Assert.True(finished > 0, "no constrained reply ended within 96 tokens");
        Assert.Contains("\"response_format\":{\"type\":\"json_object\"}", requests.Last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamingUpdatesConcatenateToTheGreedyCompletionWithFinishReasonAndUsage()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 12, Temperature = 0 };
        ChatCompletion whole = await Chat().CompleteChatAsync(Hello, options);

        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        ChatMessageRole? role = null;
        int updates = 0;
        // The SDK asks for stream_options.include_usage itself on every streaming call.
        await foreach (var update in Chat().CompleteChatStreamingAsync(Hello, new ChatCompletionOptions { MaxOutputTokenCount = 12, Temperature = 0 }))
        {
            updates++;
            role ??= update.Role;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Contains("\"stream_options\":{\"include_usage\":true}", requests.Last, StringComparison.Ordinal);
        Assert.True(updates > 2);
        Assert.Equal(ChatMessageRole.Assistant, role);
        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.Equal(whole.FinishReason, finish);
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
    }

    [Fact]
    public async Task SeedAndTemperatureMakeSampledCompletionsRepeatable()
    {
        ChatCompletionOptions Options(long seed) => new() { Temperature = 1.5f, Seed = seed, MaxOutputTokenCount = 16, TopP = 1 };
        var first = await Chat().CompleteChatAsync(Hello, Options(7));
        var again = await Chat().CompleteChatAsync(Hello, Options(7));
        var others = await Task.WhenAll(Enumerable.Range(100, 4).Select(seed => Chat().CompleteChatAsync(Hello, Options(seed))));

        Assert.Equal(first.Value.Content[0].Text, again.Value.Content[0].Text);
        // A random model at temperature 1.5 over a 2048-token vocabulary: other seeds give other text.
        Assert.Contains(others, o => o.Value.Content[0].Text != first.Value.Content[0].Text);
    }

    [Fact]
    public async Task MaxOutputTokenCountBoundsTheCompletion()
    {
        // Ask for a single token: the reply is that token, or EOS (no text, finish reason stop).
        var completion = (await Chat().CompleteChatAsync(Hello, new ChatCompletionOptions { MaxOutputTokenCount = 1, Temperature = 0 })).Value;
        Assert.Equal(completion.FinishReason == ChatFinishReason.Length ? 1 : 0, completion.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task NChoicesThroughTheSdksProtocolMethodReturnDistinctIndexedChoices()
    {
        // The SDK's typed ChatCompletion exposes one choice; n is reached through its protocol method, which still
        // uses the SDK's pipeline, endpoint and error handling.
        var body = BinaryContent.Create(BinaryData.FromObjectAsJson(new
        {
            model = RunningServer.ModelName,
            messages = new[] { new { role = "user", content = "Hello there" } },
            n = 3,
            seed = 11,
            temperature = 1.2,
            max_tokens = 6,
        }));
        ClientResult result = await Chat().CompleteChatAsync(body);
        using var json = JsonDocument.Parse(result.GetRawResponse().Content);
        var choices = json.RootElement.GetProperty("choices").EnumerateArray().ToArray();

        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c => Assert.Contains(c.GetProperty("finish_reason").GetString(), new[] { "stop", "length" }));
        var usage = json.RootElement.GetProperty("usage");
        Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), 0, 3 * 6);
        // Each choice samples with its own seed (seed + index), so they are not all the same text.
        Assert.True(choices.Select(c => c.GetProperty("message").GetProperty("content").GetString()).Distinct().Count() > 1);

        // The SDK's own model reader parses the same body (taking the first choice).
        var typed = ModelReaderWriter.Read<ChatCompletion>(result.GetRawResponse().Content, ModelReaderWriterOptions.Json, OpenAIContext.Default)!;
        Assert.Equal(choices[0].GetProperty("message").GetProperty("content").GetString(), typed.Content[0].Text);
    }

    [Fact]
    public async Task LogProbabilitiesWithTopAlternativesParse()
    {
        var completion = (await Chat().CompleteChatAsync(Hello, new ChatCompletionOptions
        {
            MaxOutputTokenCount = 4,
            Temperature = 0,
            IncludeLogProbabilities = true,
            TopLogProbabilityCount = 3,
        })).Value;

        var tokens = completion.ContentTokenLogProbabilities;
        // One entry per generated token (an end-of-sequence token, when sampled, may carry one too).
        if (completion.FinishReason == ChatFinishReason.Length) Assert.Equal(completion.Usage.OutputTokenCount, tokens.Count);
        else Assert.InRange(tokens.Count, completion.Usage.OutputTokenCount, completion.Usage.OutputTokenCount + 1);
        Assert.NotEmpty(tokens);
        foreach (var token in tokens)
        {
            Assert.Equal(3, token.TopLogProbabilities.Count);
            Assert.True(token.LogProbability <= 0);
            // Greedy: the chosen token is the most likely alternative.
            Assert.Equal(token.TopLogProbabilities[0].LogProbability, token.LogProbability, 5);
            var top = token.TopLogProbabilities.Select(t => t.LogProbability).ToArray();
            Assert.Equal(top.OrderByDescending(v => v), top);
            Assert.NotNull(token.Utf8Bytes);
            // A token holding part of a multi-byte character decodes to U+FFFD on its own; whole ones round-trip.
            if (!token.Token.Contains('\uFFFD')) Assert.Equal(token.Token, System.Text.Encoding.UTF8.GetString(token.Utf8Bytes.Value.Span));
        }
    }

    [Fact]
    public async Task Base64EmbeddingsTheSdkRequestsDecodeToTheRawFloatVectors()
    {
        EmbeddingClient embeddings = Client().GetEmbeddingClient(RunningServer.ModelName);
        OpenAIEmbedding one = await embeddings.GenerateEmbeddingAsync("the crown");
        OpenAIEmbeddingCollection many = await embeddings.GenerateEmbeddingsAsync(["the crown", "a king"]);
        // What this test is about: the SDK asked for base64 and decoded it itself.
        Assert.Contains("\"encoding_format\":\"base64\"", requests.Last, StringComparison.Ordinal);

        var raw = await server.PostJson("v1/embeddings", new { model = RunningServer.ModelName, input = new[] { "the crown", "a king" }, encoding_format = "float" });
        float[][] expected = raw.GetProperty("data").EnumerateArray()
            .Select(d => d.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

        Assert.Equal(expected[0], one.ToFloats().ToArray());
        Assert.Equal(2, many.Count);
        Assert.Equal([0, 1], many.Select(e => e.Index));
        Assert.Equal(expected[0], many[0].ToFloats().ToArray());
        Assert.Equal(expected[1], many[1].ToFloats().ToArray());
        Assert.NotEqual(expected[0], expected[1]);
        Assert.Equal(RunningServer.ModelName, many.Model);
        Assert.True(many.Usage.InputTokenCount > 0);

        var shortened = (await embeddings.GenerateEmbeddingAsync("the crown", new EmbeddingGenerationOptions { Dimensions = 16 })).Value.ToFloats().ToArray();
        Assert.Equal(16, shortened.Length);
        Assert.Equal(1.0, Math.Sqrt(shortened.Sum(v => (double)v * v)), 5);
    }

    [Fact]
    public async Task ModelClientListsAndGetsTheServedModel()
    {
        var models = Client().GetOpenAIModelClient();
        var list = (await models.GetModelsAsync()).Value;
        var card = Assert.Single(list);
        Assert.Equal(RunningServer.ModelName, card.Id);
        Assert.Equal("strata", card.OwnedBy);
        Assert.True(card.CreatedAt > DateTimeOffset.UnixEpoch);

        var one = (await models.GetModelAsync(RunningServer.ModelName)).Value;
        Assert.Equal(RunningServer.ModelName, one.Id);
    }

    [Fact]
    public async Task UnknownModelSurfacesAsClientResultExceptionWith404AndTheServersMessage()
    {
        var chat = Client().GetChatClient("no-such-model");
        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(Hello));
        Assert.Equal(404, error.Status);
        Assert.Contains("The model 'no-such-model' does not exist", error.Message, StringComparison.Ordinal);

        var embeddingError = await Assert.ThrowsAsync<ClientResultException>(() => Client().GetEmbeddingClient("no-such-model").GenerateEmbeddingAsync("x"));
        Assert.Equal(404, embeddingError.Status);

        var modelError = await Assert.ThrowsAsync<ClientResultException>(() => Client().GetOpenAIModelClient().GetModelAsync("no-such-model"));
        Assert.Equal(404, modelError.Status);
        Assert.Contains("no-such-model", modelError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamingErrorsBeforeTheFirstEventAreClientResultExceptions()
    {
        var chat = Client().GetChatClient("no-such-model");
        var error = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var _ in chat.CompleteChatStreamingAsync(Hello)) { }
        });
        Assert.Equal(404, error.Status);
    }

    [Fact]
    public void TheSdkReadsStrataCitationsAsUrlAnnotations()
    {
        // What the server writes for a grounded answer, read back by the SDK's own deserializer.
        var body = new Strata.Serving.Api.OpenAi.ChatCompletion("chatcmpl-1", "chat.completion", 1, "m",
            [new Strata.Serving.Api.OpenAi.ChatChoice(0, new Strata.Serving.Api.OpenAi.AssistantMessage("assistant", "Flights are booked two weeks ahead.",
                Annotations: [new Strata.Serving.Api.OpenAi.UrlCitation("url_citation", new Strata.Serving.Api.OpenAi.UrlCitationTarget(0, 35, "strata://documents/travel", "Travel"))]),
                null, "stop")],
            new Strata.Serving.Api.OpenAi.Usage(1, 1, 2));
        string json = JsonSerializer.Serialize(body, Strata.Serving.Api.JsonBody.ResponseOptions);
        var completion = ModelReaderWriter.Read<ChatCompletion>(BinaryData.FromString(json))!;
        var annotation = Assert.Single(completion.Annotations);
        Assert.Equal(0, annotation.StartIndex);
        Assert.Equal(35, annotation.EndIndex);
        Assert.Equal(new Uri("strata://documents/travel"), annotation.WebResourceUri);
        Assert.Equal("Travel", annotation.WebResourceTitle);
    }

    [Fact]
    public async Task GroundedChatThroughTheSdkCarriesAnnotationsInsideTheText()
    {
        // The SDK has no `documents`; a policy adds it to the body the SDK wrote, as vLLM clients pass extra fields.
        var options = new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1"), NetworkTimeout = TimeSpan.FromSeconds(60) };
        options.AddPolicy(new BodyFields("""{"documents": ["Employees book flights through the travel desk two weeks ahead."], "citation_options": {"mode": "fast"}}"""), PipelinePosition.PerCall);
        var chat = new OpenAIClient(new ApiKeyCredential("unused"), options).GetChatClient(RunningServer.ModelName);
        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("How do I book a flight?")], new ChatCompletionOptions { MaxOutputTokenCount = 16, Temperature = 0 });
        string text = completion.Content[0].Text;
        Assert.All(completion.Annotations, a =>
        {
            Assert.InRange(a.StartIndex, 0, a.EndIndex);
            Assert.InRange(a.EndIndex, a.StartIndex, text.Length);
            Assert.Equal("strata", a.WebResourceUri.Scheme);
        });
    }

    /// <summary>Merges extra top-level fields into the JSON body the SDK sends.</summary>
    private sealed class BodyFields(string fields) : RequestPolicy
    {
        protected override void OnRequest(PipelineMessage message)
        {
            using var body = new MemoryStream();
            message.Request.Content?.WriteTo(body);
            var json = System.Text.Json.Nodes.JsonNode.Parse(body.ToArray())!.AsObject();
            foreach (var (name, value) in System.Text.Json.Nodes.JsonNode.Parse(fields)!.AsObject()) json[name] = value?.DeepClone();
            message.Request.Content = BinaryContent.Create(BinaryData.FromString(json.ToJsonString()));
        }
    }
}
