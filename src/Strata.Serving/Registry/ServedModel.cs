using System.Text.Json.Nodes;
using Strata.Models.Configuration;
using Strata.Models.Inference;
using Strata.Models.Loading;
using Strata.Models.Templates;
using Strata.Models.Tokenization;

namespace Strata.Serving.Registry;

/// <summary>
/// One served model: its package (tokenizer, chat format, limits) and the backend holding its weights. Immutable after
/// loading and safe to share; the backend itself is only ever run by the model's <see cref="Engine.InferenceEngine"/>.
/// </summary>
public sealed class ServedModel : IDisposable
{
    public ServedModel(string name, ModelPackage package, IInferenceBackend backend, string? adapterOf = null)
    {
        AdapterOf = adapterOf;
        Name = name;
        Package = package;
        Backend = backend;
        Created = DateTimeOffset.UtcNow;
    }

    /// <summary>For a LoRA adapter served over another model's weights: that model's name (it owns the backend).</summary>
    public string? AdapterOf { get; }

    /// <summary>The id clients put in <c>model</c>.</summary>
    public string Name { get; }

    public ModelPackage Package { get; }

    /// <summary>The runtime holding the weights; touched only on the engine's thread.</summary>
    public IInferenceBackend Backend { get; }

    /// <summary>The model folder or GGUF file.</summary>
    public string Path => Package.Path;

    public StrataTokenizer Tokenizer => Package.Tokenizer;

    public ModelMetadata Metadata => Package.Metadata;

    public PromptFormatter Prompts => Package.Prompts;

    public ModelConfig Config => Package.Config;

    public IReadOnlyList<int> EndOfSequenceIds => Package.EndOfSequenceIds;

    public DateTimeOffset Created { get; }

    /// <summary>The longest sequence (prompt + completion) this model accepts.</summary>
    public int ContextLength => Package.ContextLength;

    /// <summary>Opens a model folder or GGUF file and loads its weights as <paramref name="options"/> say (default: native runtime).</summary>
    /// <exception cref="InvalidDataException">The chat template does not parse, or a file is malformed.</exception>
    public static ServedModel Load(string path, string? name = null, InferenceOptions? options = null)
    {
        var package = ModelPackage.Open(path);
        _ = package.Prompts;   // a broken chat template fails the load, not the first chat request
        return new ServedModel(name ?? package.DefaultName, package, package.LoadBackend(options ?? new InferenceOptions()));
    }

    /// <summary>Plain-text prompt for completions: BOS (when the model adds one) + text.</summary>
    public IReadOnlyList<int> EncodeCompletionPrompt(string text) => Package.EncodeText(text);

    /// <summary>The chat prompt for <paramref name="messages"/> rendered by the model's own template, tokenized.</summary>
    public IReadOnlyList<int> EncodeChatPrompt(JsonArray messages, IReadOnlyDictionary<string, JsonNode?>? variables = null) =>
        Prompts.Encode(messages, variables);

    /// <summary>Token text for logprobs: the decoded bytes of one token (may be a partial UTF-8 character).</summary>
    public byte[] TokenBytes(int id) => Tokenizer.DecodeBytes([id]);

    public void Dispose()
    {
        if (AdapterOf is null) Backend.Dispose();
    }
}
