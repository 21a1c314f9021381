using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Strata.Models.Generation;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>The OpenAI-compatible endpoints over real HTTP, checked against the model run directly.</summary>
public sealed class OpenAiEndpointTests(RunningServer server) : IClassFixture<RunningServer>
{
    [Fact]
    public async Task GreedyChatCompletionEqualsDirectGenerationOfTheTemplatedPrompt()
    {
        var body = await server.PostJson("v1/chat/completions", new
        {
            model = RunningServer.ModelName,
            messages = new[] { new { role = "user", content = "Say it twice: crown" } },
            temperature = 0,
            max_tokens = 12,
        });
        var model = server.Server.Models.Get(RunningServer.ModelName).Model;
        var prompt = model.EncodeChatPrompt(new System.Text.Json.Nodes.JsonArray(
            new System.Text.Json.Nodes.JsonObject { ["role"] = "user", ["content"] = "Say it twice: crown" }));
        var expected = await new TextGenerator(model.Package.LanguageModel(model.Backend), model.Tokenizer)
            .GenerateAsync(prompt, SamplingOptions.Greedy with { MaxTokens = 12 }, default);

        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal(expected.Text, choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(expected.FinishReason == FinishReason.MaxTokens ? "length" : "stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(prompt.Count, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(expected.TokenIds.Count, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task StreamedChunksConcatenateToTheNonStreamedTextAndEndWithDone()
    {
        var request = new
        {
            model = RunningServer.ModelName,
            messages = new[] { new { role = "user", content = "Hello" } },
            temperature = 0.7,
            seed = 42,
            max_tokens = 20,
            stream = true,
            stream_options = new { include_usage = true },
        };
        using var client = server.Client();
        using var response = await client.PostAsJsonAsync("v1/chat/completions", request);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        string[] events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        string streamed = string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var t) ? t.GetString() : ""));
        var usage = chunks[^1].GetProperty("usage");
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());

        var whole = await server.PostJson("v1/chat/completions", new
        {
            request.model,
            request.messages,
            request.temperature,
            request.seed,
            request.max_tokens,
        });
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), streamed);
        Assert.Equal(whole.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task LogprobsAreTheModelsLogSoftmaxAndTopAlternativesAreSorted()
    {
        var body = await server.PostJson("v1/chat/completions", new
        {
            model = RunningServer.ModelName,
            messages = new[] { new { role = "user", content = "x" } },
            temperature = 0,
            max_tokens = 3,
            logprobs = true,
            top_logprobs = 3,
        });
        var content = body.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content");
        Assert.Equal(3, content.GetArrayLength());
        foreach (var entry in content.EnumerateArray())
        {
            var top = entry.GetProperty("top_logprobs").EnumerateArray().Select(t => t.GetProperty("logprob").GetDouble()).ToArray();
            Assert.Equal(3, top.Length);
            Assert.Equal(top.OrderByDescending(v => v), top);
            // Greedy: the chosen token is the most likely one.
            Assert.Equal(top[0], entry.GetProperty("logprob").GetDouble(), 9);
            Assert.True(top.Sum(Math.Exp) <= 1.0 + 1e-9);
        }
    }

    [Fact]
    public async Task ModelsListsTheServedModel()
    {
        using var client = server.Client();
        var body = await client.GetFromJsonAsync<JsonElement>("v1/models");
        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal(RunningServer.ModelName, body.GetProperty("data")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task EmbeddingsAreUnitVectorsAndBase64DecodesToTheSameFloats()
    {
        var floats = await server.PostJson("v1/embeddings", new { model = RunningServer.ModelName, input = new[] { "the crown", "a king" } });
        var base64 = await server.PostJson("v1/embeddings", new { model = RunningServer.ModelName, input = "the crown", encoding_format = "base64" });
        var first = floats.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(64, first.Length);
        Assert.Equal(1.0, Math.Sqrt(first.Sum(v => (double)v * v)), 5);
        var bytes = Convert.FromBase64String(base64.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4)).ToArray();
        Assert.Equal(first, decoded);
    }

    [Theory]
    [InlineData("""{"model":"tiny-chat","messages":[]}""", 400, "messages")]
    [InlineData("""{"model":"nope","messages":[{"role":"user","content":"hi"}]}""", 404, "model")]
    [InlineData("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":"ten"}""", 400, "max_tokens")]
    [InlineData("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":100000}""", 400, "max_tokens")]
    [InlineData("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]}""", 400, "stop")]
    [InlineData("""{"model":"tiny-chat","messages":[{"role":"wizard","content":"hi"}]}""", 400, "messages[0].role")]
    [InlineData("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}""", 400, null)]
    public async Task BadRequestsGetAJsonErrorNamingTheField(string json, int status, string? param)
    {
        using var client = server.Client();
        using var response = await client.PostAsync("v1/chat/completions", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task PromptLongerThanTheContextIsA400()
    {
        using var client = server.Client();
        string longText = string.Join(' ', Enumerable.Repeat("crown", 2000));
        using var response = await client.PostAsJsonAsync("v1/chat/completions", new { model = RunningServer.ModelName, messages = new[] { new { role = "user", content = longText } } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task HealthAndMetricsReportTheServer()
    {
        using var client = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("health")).StatusCode);
        await server.PostJson("v1/completions", new { model = RunningServer.ModelName, prompt = "To be", max_tokens = 4 });
        string metrics = await client.GetStringAsync("metrics");
        Assert.Contains("strata_generated_tokens_total{model=\"tiny-chat\"}", metrics);
        Assert.Contains("strata_time_to_first_token_seconds_bucket", metrics);
        Assert.Contains("strata_queue_depth", metrics);
        Assert.Contains("strata_requests_total{route=\"/v1/completions\",status=\"200\"}", metrics);
    }
}
