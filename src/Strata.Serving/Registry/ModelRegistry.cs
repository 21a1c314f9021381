using Strata.Models.Encoders;
using Strata.Models.Inference;
using Strata.Models.Loading;
using Strata.Serving.Api;
using Strata.Serving.Engine;

namespace Strata.Serving.Registry;

/// <summary>
/// A model folder or GGUF file to serve, the id clients will use for it (default: the folder's name or the file's
/// without <c>.gguf</c>) and how to load it (runtime, threads).
/// </summary>
public sealed record ModelSource(string Path, string? Name = null)
{
    public InferenceOptions Inference { get; init; } = new();

    /// <summary>LoRA adapters (PEFT folders) served over this model's weights, each under its own name.</summary>
    public IReadOnlyList<AdapterSource> Adapters { get; init; } = [];
}

/// <summary>A LoRA adapter folder and the id clients use for it.</summary>
public sealed record AdapterSource(string Name, string Directory);

/// <summary>
/// The served models: causal LMs with their engines, and encoders (embedding models, cross-encoders). Loading runs in the background so the server can answer
/// <c>/health</c> with 503 until every model is ready.
/// </summary>
public sealed class ModelRegistry : IDisposable
{
    private readonly IReadOnlyList<ModelSource> sources;
    private readonly EngineOptions engineOptions;
    private readonly IEngineObserver observer;
    private readonly List<InferenceEngine> engines = [];
    private readonly List<ServedEncoder> encoders = [];
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

    /// <summary>The encoders loaded so far.</summary>
    public IReadOnlyList<ServedEncoder> Encoders
    {
        get
        {
            lock (gate) return encoders.ToArray();
        }
    }

    /// <summary>Every served model's id, chat models first.</summary>
    public IReadOnlyList<string> Names => Engines.Select(e => e.Model.Name).Concat(Encoders.Select(e => e.Name)).ToArray();

    public async Task LoadAsync(IProgress<string>? progress = null)
    {
        try
        {
            foreach (var source in sources)
            {
                progress?.Report($"loading {source.Path}");
                if (EncoderConfig.Describes(source.Path))
                {
                    var encoder = await Task.Run(() => ServedEncoder.Load(source.Path, source.Name));
                    lock (gate) encoders.Add(encoder);
                    var config = encoder.Encoder.Config;
                    progress?.Report($"loaded {encoder.Name}: {config.Architectures.FirstOrDefault()} encoder ({config.Head}), {config.NumHiddenLayers} layers, {encoder.Encoder.MaxLength} tokens, pooling {encoder.Encoder.Pooling.Mode}");
                    continue;
                }
                var model = await Task.Run(() => ServedModel.Load(source.Path, source.Name, source.Inference));
                var engine = new InferenceEngine(model, engineOptions, observer);
                lock (gate) engines.Add(engine);
                progress?.Report($"loaded {model.Name}: {model.Config.NumHiddenLayers} layers, context {model.ContextLength}, chat format {model.Prompts.Format}, {model.Backend.Name} backend");
                foreach (var adapter in source.Adapters)
                {
                    if (Names.Contains(adapter.Name)) throw new InvalidOperationException($"adapter name '{adapter.Name}' is already a served model's");
                    // Loaded on the engine's thread, the only one that touches the backend.
                    int index = await engine.RunExclusiveAsync(backend => backend.LoadAdapter(adapter.Directory));
                    var alias = new ServedModel(adapter.Name, model.Package, model.Backend, adapterOf: model.Name);
                    lock (gate) engines.Add(engine.ForAdapter(alias, index));
                    progress?.Report($"loaded adapter {adapter.Name} over {model.Name} ({adapter.Directory})");
                }
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
        if (FindEncoder(name) is not null)
        {
            throw ApiException.BadRequest($"model '{name}' is an encoder (embeddings, rerank, classify); this endpoint needs a language model", "model");
        }
        if (!ready) throw new ApiException(503, $"models are still loading; retry shortly ({LoadError ?? "in progress"})", "model", "model_loading") { RetryAfterSeconds = 5 };
        throw ApiException.ModelNotFound(name);
    }

    /// <summary>The encoder served as <paramref name="name"/>, or null when that name is not an encoder.</summary>
    public ServedEncoder? FindEncoder(string name)
    {
        foreach (var encoder in Encoders) if (encoder.Name == name) return encoder;
        return null;
    }

    /// <summary>The encoder served as <paramref name="name"/>.</summary>
    /// <exception cref="ApiException">400 when the name is a language model, 404 when unknown, 503 while loading.</exception>
    public ServedEncoder GetEncoder(string name)
    {
        if (FindEncoder(name) is { } encoder) return encoder;
        if (Engines.Any(e => e.Model.Name == name))
        {
            throw ApiException.BadRequest($"model '{name}' is a language model; this endpoint needs an encoder (serve one with --model ENCODER_DIR)", "model");
        }
        if (!ready) throw new ApiException(503, $"models are still loading; retry shortly ({LoadError ?? "in progress"})", "model", "model_loading") { RetryAfterSeconds = 5 };
        throw ApiException.ModelNotFound(name);
    }

    public void Dispose()
    {
        foreach (var encoder in Encoders) encoder.Dispose();
        foreach (var engine in Engines.Where(e => !e.IsAdapterView))
        {
            engine.Dispose();
            engine.Model.Dispose();
        }
    }
}
