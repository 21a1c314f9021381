using System.Text.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Clients;

/// <summary>
/// A running server and one run of a script in tests/tools that drives it with an official client, unchanged; the
/// tests read the client's view of each call from <see cref="Result"/> (xunit class fixture).
/// </summary>
public abstract class NodeClientRun<TServer> : IAsyncLifetime where TServer : RunningServer, new()
{
    public TServer Server { get; } = new();

    /// <summary>The script's JSON: one property per call it made.</summary>
    public JsonElement Result { get; private set; }

    /// <summary>The script and its arguments after the server's address.</summary>
    protected abstract string Script(Uri server);

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        // The script blocks on node; keep it off the thread pool threads the in-process server answers on.
        string output = await Task.Factory.StartNew(() => NodeTools.RunScript(Script(Server.BaseAddress), stdin: ""), TaskCreationOptions.LongRunning);
        Result = JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>One call's result; fails the test with the client's error when the call threw (unless an error is what the call expects).</summary>
    public JsonElement Call(string name, bool expectError = false)
    {
        Assert.True(Result.TryGetProperty(name, out var call), $"the script did not record '{name}': {Result}");
        if (!expectError) Assert.False(call.TryGetProperty("error", out var error), $"{name} failed: {error}");
        return call;
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}
