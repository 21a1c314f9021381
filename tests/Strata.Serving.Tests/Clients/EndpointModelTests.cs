using System.Text.Json.Nodes;
using Strata.Evaluation.Models;
using Strata.Models.Inference;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Clients;

/// <summary>
/// The harness's remote model against a real <c>strata serve</c>: greedy text through /v1/completions and
/// /v1/chat/completions equals what the harness gets loading the same model itself.
/// </summary>
public class EndpointModelTests(RunningServer server) : IClassFixture<RunningServer>
{
    [Fact]
    public async Task GreedyTextOverHttpEqualsLocalGreedyText()
    {
        using var remote = new EndpointModel(new Uri(server.BaseAddress, "v1"), RunningServer.ModelName, apiKey: null);
        using var local = LocalModel.Open(TinyModels.SharedDirectory, new InferenceOptions());
        var plain = new EvalPrompt("Once upon a time");
        var chat = new EvalPrompt("", new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Say hello" }));
        foreach (var prompt in new[] { plain, chat })
        {
            string expected = await local.GenerateAsync(prompt, [], 12, CancellationToken.None);
            Assert.Equal(expected, await remote.GenerateAsync(prompt, [], 12, CancellationToken.None));
            Assert.NotEmpty(expected);
        }
    }

    [Fact]
    public async Task StopSequencesCutTheText()
    {
        using var remote = new EndpointModel(server.BaseAddress, RunningServer.ModelName, apiKey: null);
        string full = await remote.GenerateAsync(new EvalPrompt("The"), [], 16, CancellationToken.None);
        Assert.True(full.Length > 2, full);
        string stop = full.Substring(full.Length / 2, 1);
        string cut = await remote.GenerateAsync(new EvalPrompt("The"), [stop], 16, CancellationToken.None);
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], cut);
    }

    [Fact]
    public async Task AnUnknownModelIsAClearErrorNotARetryLoop()
    {
        using var remote = new EndpointModel(server.BaseAddress, "no-such-model", apiKey: null, backoff: _ => TimeSpan.Zero);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => remote.GenerateAsync(new EvalPrompt("x"), [], 4, CancellationToken.None));
        Assert.Contains("v1/completions: 404", error.Message);
    }
}
