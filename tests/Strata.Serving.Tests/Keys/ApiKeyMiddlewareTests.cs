using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Strata.Serving.Security;

namespace Strata.Serving.Tests.Keys;

/// <summary>The middleware in a real Kestrel server on a loopback port, spoken to over HTTP.</summary>
public sealed class ApiKeyMiddlewareTests
{
    /// <summary>A minimal app: the middleware, model-API endpoints that echo the tenant, and the open endpoints.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly WebApplication app;

        private Server(WebApplication app, HttpClient client)
        {
            this.app = app;
            Client = client;
        }

        public HttpClient Client { get; }

        public string Origin => Client.BaseAddress!.GetLeftPart(UriPartial.Authority);

        public static async Task<Server> StartAsync(ApiKeyAuthenticator authenticator)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.UseStrataApiKeys(authenticator);
            static IResult Echo(HttpContext c) =>
                Results.Text($"tenant={c.Items[ApiKeyMiddleware.TenantItem] ?? "none"} key={(c.Items[ApiKeyMiddleware.ApiKeyItem] as ApiKeyRecord)?.Id ?? "none"}");
            app.MapGet("/v1/models", Echo);
            app.MapPost("/v1/chat/completions", Echo);
            app.MapPost("/v2/chat", Echo);
            foreach (string open in new[] { "/", "/health", "/metrics", "/openapi/v1.json", "/docs", "/docs/index.html", "/playground.js" })
            {
                app.MapGet(open, () => "open");
            }
            await app.StartAsync();
            var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
            return new Server(app, client);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<HttpResponseMessage> Send(Server server, string path, Action<HttpRequestHeaders>? headers = null, HttpMethod? method = null)
    {
        // Absolute, because a relative "//v1/models" would be read as a host name.
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(server.Origin + path));
        headers?.Invoke(request.Headers);
        return await server.Client.SendAsync(request);
    }

    private static async Task AssertRejected(HttpResponseMessage response, string messagePart)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Contains(messagePart, error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.Equal(4, error.EnumerateObject().Count());
        Assert.Single(json.RootElement.EnumerateObject());
    }

    private static IApiKeyStore NewStore() => ApiKeyStores.Open(Path.Combine(TestPaths.NewTemporaryDirectory(), "keys.db"));

    [Fact]
    public async Task WithoutKeysConfiguredEverythingIsOpen()
    {
        using var store = NewStore();
        await using var server = await Server.StartAsync(new ApiKeyAuthenticator(store));
        var response = await Send(server, "/v1/models");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("tenant=none key=none", await response.Content.ReadAsStringAsync());
        foreach (string variant in new[] { "/V1/models", "/v1/MODELS/" })
        {
            // Routing reaches the endpoint by these too, which is why the middleware must protect them (next test).
            var reached = await Send(server, variant);
            Assert.True(reached.StatusCode == HttpStatusCode.OK, $"{variant}: {reached.StatusCode}");
        }

        // Creating a key while the server runs turns authentication on.
        store.Create("acme", null);
        await AssertRejected(await Send(server, "/v1/models"), "Missing API key");
    }

    [Fact]
    public async Task MissingOrWrongKeysAreRejectedInOpenAisShape()
    {
        using var store = NewStore();
        var created = store.Create("acme", null);
        await using var server = await Server.StartAsync(new ApiKeyAuthenticator(store));

        await AssertRejected(await Send(server, "/v1/models"), "Missing API key");
        await AssertRejected(await Send(server, "/v1/models", h => h.Add("Authorization", "Bearer ")), "Missing API key");
        var wrong = await Send(server, "/v1/models", h => h.Authorization = new AuthenticationHeaderValue("Bearer", created.Key[..^1] + "Q"));
        await AssertRejected(wrong, "Incorrect or revoked API key");
        await AssertRejected(await Send(server, "/v1/chat/completions", h => h.Add("X-Api-Key", "sk-strata-guess"), HttpMethod.Post), "Incorrect");
        await AssertRejected(await Send(server, "/v2/chat", method: HttpMethod.Post), "Missing API key");
    }

    [Fact]
    public async Task RoutingVariantsOfTheApiPathsAreProtectedToo()
    {
        await using var server = await Server.StartAsync(new ApiKeyAuthenticator(null, ["cli-key"]));
        foreach (string path in new[] { "/V1/models", "/v1/MODELS", "//v1/models", "/v1", "/V2/chat", "/v1/unknown" })
        {
            var response = await Send(server, path);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task ValidKeysReachTheEndpointWithTheirTenant()
    {
        using var store = NewStore();
        var acme = store.Create("acme", null);
        var beta = store.Create("beta", null);
        await using var server = await Server.StartAsync(new ApiKeyAuthenticator(store, ["cli-key"]));

        var bearer = await Send(server, "/v1/models", h => h.Authorization = new AuthenticationHeaderValue("Bearer", acme.Key));
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal($"tenant=acme key={acme.Record.Id}", await bearer.Content.ReadAsStringAsync());

        var cohere = await Send(server, "/v2/chat", h => h.Authorization = new AuthenticationHeaderValue("bearer", beta.Key), HttpMethod.Post);
        Assert.Equal("tenant=beta key=" + beta.Record.Id, await cohere.Content.ReadAsStringAsync());

        var apiKeyHeader = await Send(server, "/v1/chat/completions", h => h.Add("X-Api-Key", beta.Key), HttpMethod.Post);
        Assert.Equal("tenant=beta key=" + beta.Record.Id, await apiKeyHeader.Content.ReadAsStringAsync());

        var commandLine = await Send(server, "/v1/models", h => h.Add("Authorization", "Bearer cli-key"));
        Assert.Equal("tenant=default key=cli-1", await commandLine.Content.ReadAsStringAsync());

        // Revocation by `strata keys revoke` takes effect on the next request.
        store.Revoke(acme.Record.Prefix);
        await AssertRejected(await Send(server, "/v1/models", h => h.Authorization = new AuthenticationHeaderValue("Bearer", acme.Key)), "revoked");
    }

    [Fact]
    public async Task OperatorAndDocumentationPathsStayOpen()
    {
        await using var server = await Server.StartAsync(new ApiKeyAuthenticator(null, ["cli-key"]));
        foreach (string path in new[] { "/", "/health", "/metrics", "/openapi/v1.json", "/docs", "/docs/index.html", "/playground.js" })
        {
            var response = await Send(server, path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
        }
        var unknown = await Send(server, "/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task CorsPreflightsPassWithoutAKey()
    {
        await using var server = await Server.StartAsync(new ApiKeyAuthenticator(null, ["cli-key"]));
        var preflight = await Send(server, "/v1/chat/completions", h => h.Add("Access-Control-Request-Method", "POST"), HttpMethod.Options);
        Assert.NotEqual(HttpStatusCode.Unauthorized, preflight.StatusCode);
        var plainOptions = await Send(server, "/v1/chat/completions", method: HttpMethod.Options);
        Assert.Equal(HttpStatusCode.Unauthorized, plainOptions.StatusCode);
    }
}
