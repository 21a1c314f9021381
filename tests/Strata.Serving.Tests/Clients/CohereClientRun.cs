using System.Text.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Clients;

/// <summary>
/// A running server and one run of <c>tests/tools/cohere-client.mjs</c> (Cohere's official TypeScript client) against
/// it; the tests read the client's view of each call from <see cref="Result"/> (xunit class fixture).
/// </summary>
public sealed class CohereClientRun : IAsyncLifetime
{
    public EncoderServer Server { get; } = new();

    /// <summary>The script's JSON: one property per call (chat, stream, seededChat, embed, tokenize, rerank, …).</summary>
    public JsonElement Result { get; private set; }

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        // The script blocks on node; keep it off the thread pool threads the in-process server answers on.
        string output = await Task.Factory.StartNew(
            () => NodeTools.RunScript($"cohere-client.mjs {Server.BaseAddress} {RunningServer.ModelName} {EncoderServer.Reranker} {EncoderServer.TinyEmbedder}", stdin: ""),
            TaskCreationOptions.LongRunning);
        Result = JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>One call's result; fails the test with the client's error when the call threw.</summary>
    public JsonElement Call(string name)
    {
        Assert.True(Result.TryGetProperty(name, out var call), $"the script did not record '{name}': {Result}");
        Assert.False(call.TryGetProperty("error", out var error), $"cohere-ai {name} failed: {error}");
        return call;
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}
