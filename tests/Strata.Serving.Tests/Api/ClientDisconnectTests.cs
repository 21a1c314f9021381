using System.Net.Http.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>A client that goes away mid-stream frees its batch slot; the engine does not finish the reply for nobody.</summary>
public sealed class ClientDisconnectTests(LongContextServer server) : IClassFixture<LongContextServer>
{
    [Fact]
    public async Task ClientDisconnectFreesTheSequence()
    {
        var engine = server.Server.Models.Get(RunningServer.ModelName);
        // HttpClient would otherwise drain up to 1 MB of an abandoned response to reuse the connection, reading
        // thousands of tokens on after Dispose (once all 8,000); a client that goes away closes the socket instead.
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = server.BaseAddress };
        double before = await server.GeneratedTokensAsync();
        // Greedy decoding of these random weights never produces the end token, so only the disconnect can stop it.
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions")
        {
            Content = JsonContent.Create(new { model = RunningServer.ModelName, prompt = "a", max_tokens = 8000, temperature = 0, stream = true }),
        };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        for (int events = 0; events < 3;) if ((await reader.ReadLineAsync())?.StartsWith("data: ", StringComparison.Ordinal) == true) events++;
        response.Dispose();   // the client goes away mid-stream
        for (int i = 0; i < 250 && engine.ActiveSequences > 0; i++) await Task.Delay(20);
        Assert.Equal(0, engine.ActiveSequences);
        // Stopped before the 8,000 asked for; how far short depends on how soon the server hears of the closed socket.
        Assert.InRange(await server.GeneratedTokensAsync() - before, 2, 7999);
    }
}
