using System.Net.Http.Json;
using System.Text.Json;
using Strata.Serving.Engine;
using Strata.Serving.Hosting;
using Strata.Serving.Registry;

namespace Strata.Serving.Tests.Support;

/// <summary>A real Strata server on a free loopback port, serving the shared tiny model (xunit class fixture).</summary>
public class RunningServer : IAsyncLifetime
{
    public const string ModelName = "tiny-chat";

    private StrataServer? server;

    public StrataServer Server => server ?? throw new InvalidOperationException("not started");

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Options for subclasses or tests that need a differently configured server.</summary>
    public static ServerOptions DefaultOptions(string? modelDirectory = null) => new()
    {
        Urls = ["http://127.0.0.1:0"],
        Models = [new ModelSource(modelDirectory ?? TinyModels.SharedDirectory, ModelName)],
        Engine = new EngineOptions { MaxBatchSize = 8, MaxQueuedRequests = 32 },
        MaxRequestBodyBytes = 256 * 1024,
    };

    /// <summary>The model directory to serve (as <see cref="ModelName"/>); subclasses serve other shapes.</summary>
    protected virtual string CreateModelDirectory() => TinyModels.SharedDirectory;

    /// <summary>The server's options; subclasses add models.</summary>
    protected virtual ServerOptions CreateOptions() => DefaultOptions(CreateModelDirectory());

    public async Task InitializeAsync()
    {
        server = StrataServer.Create(CreateOptions());
        await server.StartAsync();
        await server.Loading;
        BaseAddress = new Uri(server.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
    }

    public HttpClient Client() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A client that authenticates as the tenant holding <paramref name="key"/> (none when null).</summary>
    public HttpClient ClientFor(string? key)
    {
        var client = Client();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Sends a JSON request, asserts the status (the body in the message when it differs) and returns the parsed body.</summary>
    public static async Task<JsonElement> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null,
        System.Net.HttpStatusCode expected = System.Net.HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> PostJson(string path, object body)
    {
        using var client = Client();
        using var response = await client.PostAsJsonAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The server's <c>strata_generated_tokens_total</c> for the model, read from <c>/metrics</c>.</summary>
    public async Task<double> GeneratedTokensAsync()
    {
        using var client = Client();
        string metrics = await client.GetStringAsync("metrics");
        string prefix = $"strata_generated_tokens_total{{model=\"{ModelName}\"}} ";
        string? line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public virtual async Task DisposeAsync()
    {
        if (server is not null) await server.DisposeAsync();
    }
}
