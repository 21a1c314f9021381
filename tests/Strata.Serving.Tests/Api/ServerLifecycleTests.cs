using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Strata.Serving.Engine;
using Strata.Serving.Hosting;
using Strata.Serving.Registry;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>Health while models cannot load, back-pressure over HTTP, and the OpenAPI document.</summary>
public sealed class ServerLifecycleTests
{
    [Fact]
    public async Task HealthIs503WithTheReasonWhileNoModelIsReady()
    {
        string missing = Path.Combine(TestPaths.NewTemporaryDirectory(), "no-such-model");
        await using var server = StrataServer.Create(new ServerOptions { Urls = ["http://127.0.0.1:0"], Models = [new ModelSource(missing, "m")] });
        await server.StartAsync();
        await Assert.ThrowsAsync<FileNotFoundException>(() => server.Loading);
        using var client = new HttpClient { BaseAddress = new Uri(server.Addresses.First() + "/") };
        using var health = await client.GetAsync("health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("no model folder or .gguf file here", await health.Content.ReadAsStringAsync());
        using var chat = await client.PostAsJsonAsync("v1/chat/completions", new { model = "m", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, chat.StatusCode);
        Assert.NotNull(chat.Headers.RetryAfter);
    }

    [Fact]
    public async Task FullQueueAnswers429WithRetryAfter()
    {
        var options = RunningServer.DefaultOptions() with { Engine = new EngineOptions { MaxBatchSize = 1, MaxQueuedRequests = 1 } };
        await using var server = StrataServer.Create(options);
        await server.StartAsync();
        await server.Loading;
        using var client = new HttpClient { BaseAddress = new Uri(server.Addresses.First() + "/") };
        var body = new { model = RunningServer.ModelName, prompt = "a", max_tokens = 400, stream = true };
        // One slot and one queue place: of four requests at least two have nowhere to go.
        var held = new List<HttpResponseMessage>();
        for (int i = 0; i < 4; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = JsonContent.Create(body) };
            held.Add(await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead));
        }
        var refused = held.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(refused.Count, 2, 3);
        Assert.All(refused, r => Assert.NotNull(r.Headers.RetryAfter));
        var error = JsonDocument.Parse(await refused[0].Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        foreach (var response in held) response.Dispose();
    }

    [Fact]
    public async Task OpenApiDocumentListsTheApisAndTheReferencePageIsServed()
    {
        await using var server = StrataServer.Create(RunningServer.DefaultOptions());
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(server.Addresses.First() + "/") };
        var document = await client.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (string path in new[] { "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models", "/v2/chat", "/v2/embed", "/v1/tokenize", "/v1/detokenize", "/health", "/metrics" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} missing from the OpenAPI document");
        }
        using var page = await client.GetAsync("docs/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
