using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Strata.Serving.Api;
using Strata.Serving.Arena;
using Strata.Serving.Documents;
using Strata.Serving.Metrics;
using Strata.Serving.Registry;
using Strata.Serving.Security;

namespace Strata.Serving.Hosting;

/// <summary>
/// The model server: one ASP.NET Core app with the OpenAI- and Cohere-compatible APIs, health, metrics, the
/// OpenAPI document and the playground. It listens first and loads models in the background, so
/// <c>/health</c> says 503 until they are ready.
/// </summary>
public sealed class StrataServer : IAsyncDisposable
{
    private StrataServer(WebApplication app, ModelRegistry models, ServerMetrics metrics, ApiKeyAuthenticator authenticator, IApiKeyStore? keyStore)
    {
        App = app;
        Models = models;
        Metrics = metrics;
        Authenticator = authenticator;
        KeyStore = keyStore;
    }

    public WebApplication App { get; }
    public ModelRegistry Models { get; }
    public ServerMetrics Metrics { get; }
    public ApiKeyAuthenticator Authenticator { get; }

    /// <summary>The store the <see cref="Authenticator"/> reads keys from; null when there is none.</summary>
    public IApiKeyStore? KeyStore { get; }

    /// <summary>The addresses actually bound (after <see cref="StartAsync"/>; resolves port 0).</summary>
    public IReadOnlyList<string> Addresses =>
        App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    /// <exception cref="InvalidOperationException">A non-loopback address without API keys.</exception>
    /// <exception cref="IOException">A PostgreSQL key or document store that cannot be reached.</exception>
    public static StrataServer Create(ServerOptions options)
    {
        if (options.Models.Count == 0) throw new ArgumentException("no models to serve");
        options.Engine.Validate();
        options.Arena.Validate();
        var keyStore = options.Store is { } store ? ApiKeyStores.OpenExisting(store) : null;
        var authenticator = new ApiKeyAuthenticator(keyStore, options.ApiKeys);
        IDocumentStore? documentStore = null;
        IArenaStore? arenaStore = null;
        try
        {
            BindingGuard.EnsureSafe(options.Urls, authenticator.Required);
            // Before any model loads, so that an unreachable document database fails the start at once.
            documentStore = options.Documents is { } location ? DocumentStores.Open(location) : null;
            // The arena keeps its battles in the server's own store, beside the keys; opened after them, so that a
            // SQLite file it creates is not taken for a key store on this start.
            arenaStore = options.Store is { } arenaLocation ? ArenaStores.Open(arenaLocation) : null;
        }
        catch
        {
            keyStore?.Dispose();
            documentStore?.Dispose();
            throw;
        }

        var metrics = new ServerMetrics();
        var models = new ModelRegistry(options.Models, options.Engine, metrics);
        var documents = documentStore is null ? null : new DocumentService(documentStore, models, options.RetrievalEmbedder, options.RetrievalReranker);
        var arena = arenaStore is null ? null : new ArenaService(arenaStore, models, metrics, options.Arena);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls.ToArray());
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        if (!options.FrameworkLogging) builder.Logging.ClearProviders();
        builder.Services.AddSingleton(models);
        builder.Services.AddSingleton(metrics);
        if (documents is not null) builder.Services.AddSingleton(documents);
        if (arena is not null) builder.Services.AddSingleton(arena);
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Strata model server";
            document.Info.Description = "OpenAI-compatible (/v1) and Cohere-compatible (/v2, /v1/tokenize) APIs for self-hosted models.";
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        app.Use((context, next) => CountRequests(context, next, metrics));
        app.Use(ApiErrors.HandleAsync);
        app.UseStatusCodePages(async pages =>
        {
            // Routing's own refusals (unknown path, wrong method) get the same JSON body as ours.
            var response = pages.HttpContext.Response;
            if (response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
            {
                string message = response.StatusCode switch
                {
                    404 => $"no such endpoint: {pages.HttpContext.Request.Method} {pages.HttpContext.Request.Path}",
                    405 => $"{pages.HttpContext.Request.Method} is not allowed on {pages.HttpContext.Request.Path}",
                    415 => "the request body must be application/json",
                    _ => $"HTTP {response.StatusCode}",
                };
                await ApiErrors.WriteAsync(pages.HttpContext, response.StatusCode, message);
            }
        });
        app.UseStrataApiKeys(authenticator);
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/openapi/v1.json", "Strata");
            ui.RoutePrefix = "docs";
            ui.DocumentTitle = "Strata API reference";
        });
        ServerEndpoints.Map(app);
        return new StrataServer(app, models, metrics, authenticator, keyStore) { Documents = documents, Arena = arena };
    }

    /// <summary>The tenants' documents, when the server has a document store.</summary>
    public DocumentService? Documents { get; private init; }

    /// <summary>The arena, when the server has a store to keep battles in.</summary>
    public ArenaService? Arena { get; private init; }

    /// <summary>Starts listening, then loads the models in the background.</summary>
    public async Task StartAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        await App.StartAsync(cancellationToken);
        Loading = Models.LoadAsync(progress);
    }

    /// <summary>The background model load (faults if a model fails to load).</summary>
    public Task Loading { get; private set; } = Task.CompletedTask;

    private static async Task CountRequests(HttpContext context, Func<Task> next, ServerMetrics metrics)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            await next();
        }
        finally
        {
            string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            metrics.RequestCompleted(route, context.Response.StatusCode, Stopwatch.GetElapsedTime(start));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            await Loading;
        }
        catch (Exception)
        {
            // Already reported through /health and the CLI.
        }
        Models.Dispose();
        KeyStore?.Dispose();
        Documents?.Dispose();
        Arena?.Dispose();
    }
}
