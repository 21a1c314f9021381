using System.Text.Json.Nodes;
using Strata.Models.Configuration;
using Strata.Models.Llama;
using Strata.Models.Tokenization;

namespace Strata.Serving.Models;

/// <summary>
/// One loaded model directory: weights, tokenizer, chat format and limits. Immutable after loading and safe to
/// share; the weights themselves are only ever run by the model's <see cref="Engine.InferenceEngine"/>.
/// </summary>
public sealed class ServedModel : IDisposable
{
    private ServedModel(string name, string directory, LlamaForCausalLM network, StrataTokenizer tokenizer, ModelMetadata metadata)
    {
        Name = name;
        Directory = directory;
        Network = network;
        Tokenizer = tokenizer;
        Metadata = metadata;
        Prompts = new PromptFormatter(metadata, tokenizer);
        var eos = new HashSet<int>(network.Config.EosTokenIds);
        eos.UnionWith(metadata.GenerationEosTokenIds);
        if (tokenizer.EosTokenId is int tokenizerEos) eos.Add(tokenizerEos);
        EndOfSequenceIds = eos.Order().ToArray();
        Created = DateTimeOffset.UtcNow;
    }

    /// <summary>The id clients put in <c>model</c>.</summary>
    public string Name { get; }

    public string Directory { get; }

    public LlamaForCausalLM Network { get; }

    public StrataTokenizer Tokenizer { get; }

    public ModelMetadata Metadata { get; }

    public PromptFormatter Prompts { get; }

    public ModelConfig Config => Network.Config;

    public IReadOnlyList<int> EndOfSequenceIds { get; }

    public DateTimeOffset Created { get; }

    /// <summary>The longest sequence (prompt + completion) this model accepts.</summary>
    public int ContextLength => Config.PositionEncoding == PositionEncoding.Alibi ? int.MaxValue : Config.MaxPositionEmbeddings;

    /// <summary>Loads config.json, (sharded) safetensors, tokenizer.json and the optional tokenizer/generation configs.</summary>
    public static ServedModel Load(string directory, string? name = null)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: model directory not found");
        var tokenizer = StrataTokenizer.FromDirectory(directory);
        var metadata = ModelMetadata.Load(directory);
        var network = LlamaCheckpoint.Load(directory);
        network.eval();
        string fullPath = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        return new ServedModel(name ?? Path.GetFileName(fullPath), fullPath, network, tokenizer, metadata);
    }

    /// <summary>Plain-text prompt for completions: BOS (when the model has one) + text.</summary>
    public IReadOnlyList<int> EncodeCompletionPrompt(string text)
    {
        var ids = new List<int>();
        if ((Config.BosTokenId ?? Tokenizer.BosTokenId) is int bos) ids.Add(bos);
        ids.AddRange(Tokenizer.Encode(text, addBos: false, parseSpecialTokens: false));
        return ids;
    }

    /// <summary>The chat prompt for <paramref name="messages"/> rendered by the model's own template, tokenized.</summary>
    public IReadOnlyList<int> EncodeChatPrompt(JsonArray messages, IReadOnlyDictionary<string, JsonNode?>? variables = null) =>
        Prompts.Encode(messages, variables);

    /// <summary>Token text for logprobs: the decoded bytes of one token (may be a partial UTF-8 character).</summary>
    public byte[] TokenBytes(int id) => Tokenizer.DecodeBytes([id]);

    public void Dispose() => Network.Dispose();
}
