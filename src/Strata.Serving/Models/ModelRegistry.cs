using Strata.Models.Inference;
using Strata.Models.Loading;
using Strata.Serving.Api;
using Strata.Serving.Engine;

namespace Strata.Serving.Models;

/// <summary>
/// A model folder or GGUF file to serve, the id clients will use for it (default: the folder's name or the file's
/// without <c>.gguf</c>) and how to load it (runtime, threads).
/// </summary>
public sealed record ModelSource(string Path, string? Name = null)
{
    public InferenceOptions Inference { get; init; } = new();
}

/// <summary>
/// The served models and their engines. Loading runs in the background so the server can answer
/// <c>/health</c> with 503 until every model is ready.
/// </summary>
public sealed class ModelRegistry : IDisposable
{
    private readonly IReadOnlyList<ModelSource> sources;
    private readonly EngineOptions engineOptions;
    private readonly IEngineObserver observer;
    private readonly List<InferenceEngine> engines = [];
    private readonly Lock gate = new();
    private volatile bool ready;

    public ModelRegistry(IReadOnlyList<ModelSource> sources, EngineOptions? engineOptions = null, IEngineObserver? observer = null)
    {
        if (sources.Count == 0) throw new ArgumentException("no models to serve");
        var names = sources.Select(s => s.Name ?? ModelPackage.NameOf(s.Path)).ToList();
        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"two models would both be called '{duplicate.Key}'; give one a different name (DIR=NAME)");
        this.sources = sources;
        this.engineOptions = engineOptions ?? new EngineOptions();
        this.observer = observer ?? IEngineObserver.None;
    }

    /// <summary>True once every model has loaded.</summary>
    public bool IsReady => ready;

    /// <summary>Why loading failed, if it did (the server keeps answering 503 and says why).</summary>
    public string? LoadError { get; private set; }

    public IReadOnlyList<InferenceEngine> Engines
    {
        get
        {
            lock (gate) return engines.ToArray();
        }
    }

    public async Task LoadAsync(IProgress<string>? progress = null)
    {
        try
        {
            foreach (var source in sources)
            {
                progress?.Report($"loading {source.Path}");
                var model = await Task.Run(() => ServedModel.Load(source.Path, source.Name, source.Inference));
                lock (gate) engines.Add(new InferenceEngine(model, engineOptions, observer));
                progress?.Report($"loaded {model.Name}: {model.Config.NumHiddenLayers} layers, context {model.ContextLength}, chat format {model.Prompts.Format}, {model.Backend.Name} backend");
            }
            ready = true;
        }
        catch (Exception e)
        {
            LoadError = e.Message;
            throw;
        }
    }

    /// <summary>The engine serving <paramref name="name"/>.</summary>
    /// <exception cref="ApiException">404 for an unknown model, 503 while models are still loading.</exception>
    public InferenceEngine Get(string name)
    {
        foreach (var engine in Engines) if (engine.Model.Name == name) return engine;
        if (!ready) throw new ApiException(503, $"models are still loading; retry shortly ({LoadError ?? "in progress"})", "model", "model_loading") { RetryAfterSeconds = 5 };
        throw ApiException.ModelNotFound(name);
    }

    public void Dispose()
    {
        foreach (var engine in Engines)
        {
            engine.Dispose();
            engine.Model.Dispose();
        }
    }
}
