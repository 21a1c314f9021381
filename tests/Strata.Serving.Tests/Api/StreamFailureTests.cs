using System.Net;
using System.Text;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>
/// A step that fails after a stream has begun cannot become an HTTP error any more: every streaming endpoint ends the
/// stream with its API's error event instead of cutting the connection (the three shared one path for this only after
/// <c>/v1/completions</c> was found ending without one), and the engine goes on serving.
/// </summary>
public sealed class StreamFailureTests(RunningServer server) : IClassFixture<RunningServer>
{
    private const string Failure = "simulated step failure";

    [Theory]
    [InlineData("v1/completions", """{"model":"tiny-chat","prompt":"a","max_tokens":40,"temperature":0,"stream":true}""")]
    [InlineData("v1/chat/completions", """{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":40,"temperature":0,"stream":true}""")]
    public async Task OpenAiStreamsEndWithAnErrorEventAndDone(string path, string body)
    {
        string stream = await StreamWithAFailingStepAsync(path, body);

        var events = stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(events, e => e.StartsWith("data: {\"id\"", StringComparison.Ordinal));   // tokens came before the failure
        Assert.Equal($$$"""data: {"error":{"message":"{{{Failure}}}","type":"server_error","param":null,"code":null}}""", events[^2]);
        Assert.Equal("data: [DONE]", events[^1]);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task CohereStreamsEndWithMessageEndCarryingTheError()
    {
        string stream = await StreamWithAFailingStepAsync("v2/chat",
            """{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":40,"temperature":0,"stream":true}""");

        var events = stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(events, e => e.StartsWith("event: content-delta", StringComparison.Ordinal));
        var end = Assert.Single(events, e => e.StartsWith("event: message-end", StringComparison.Ordinal));
        Assert.Contains($"\"error\":\"{Failure}\"", end);
        Assert.Contains("\"finish_reason\":\"ERROR\"", end);
        await AssertStillServesAsync();
    }

    /// <summary>Streams a request whose fourth engine step throws, and returns the whole stream.</summary>
    private async Task<string> StreamWithAFailingStepAsync(string path, string body)
    {
        var engine = server.Server.Models.Get(RunningServer.ModelName);
        int steps = 0;
        engine.BeforeStep = () =>
        {
            if (Interlocked.Increment(ref steps) == 4) throw new InvalidOperationException(Failure);
        };
        try
        {
            using var client = server.Client();
            using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }
        finally
        {
            engine.BeforeStep = null;
        }
    }

    private async Task AssertStillServesAsync()
    {
        using var client = server.Client();
        using var response = await client.PostAsync("v1/completions",
            new StringContent("""{"model":"tiny-chat","prompt":"a","max_tokens":3}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
