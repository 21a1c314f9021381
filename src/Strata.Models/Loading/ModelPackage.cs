using Strata.Models.Configuration;
using Strata.Models.Gguf;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Native;
using Strata.Models.Templates;
using Strata.Models.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Models.Loading;

/// <summary>How a model is stored on disk.</summary>
public enum ModelFormat
{
    /// <summary>A Hugging Face folder: config.json, (sharded) safetensors, tokenizer.json, optional tokenizer/generation configs.</summary>
    HuggingFace,

    /// <summary>One GGUF file holding config, tokenizer, chat template and (possibly quantized) weights.</summary>
    Gguf,
}

/// <summary>Weights as their headers describe them.</summary>
/// <param name="Types">Tensors per storage type ("F32", "BF16", "q4_K", …).</param>
public sealed record WeightSummary(long Parameters, IReadOnlyDictionary<string, int> Types, long Bytes);

/// <summary>
/// The one place that knows what a model on disk is: a Hugging Face folder or a single <c>.gguf</c> file, read into
/// config, tokenizer, chat template, generation defaults, BOS/EOS rules and context length. Weights are loaded on
/// request, into the backend the caller asks for. The CLI, the trainer, the tuner and the server all open models here.
/// </summary>
public sealed class ModelPackage
{
    private readonly Lazy<PromptFormatter> prompts;
    private GgufFile? gguf;

    private ModelPackage(string path, ModelFormat format, ModelConfig config, StrataTokenizer tokenizer, ModelMetadata metadata)
    {
        Path = path;
        Format = format;
        Config = config;
        Tokenizer = tokenizer;
        Metadata = metadata;
        BosTokenId = config.BosTokenId ?? tokenizer.BosTokenId;
        var eos = new HashSet<int>(config.EosTokenIds);
        eos.UnionWith(metadata.GenerationEosTokenIds);
        if (tokenizer.EosTokenId is int tokenizerEos) eos.Add(tokenizerEos);
        EndOfSequenceIds = eos.Order().ToArray();
        prompts = new Lazy<PromptFormatter>(() => new PromptFormatter(metadata, tokenizer));
    }

    /// <summary>Full path of the folder or file.</summary>
    public string Path { get; }

    /// <summary>The name a server gives the model by default: the folder's name, or the file's without <c>.gguf</c>.</summary>
    public string DefaultName => NameOf(Path);

    /// <summary><see cref="DefaultName"/> of a path, before opening it (to check served names are unique).</summary>
    public static string NameOf(string path)
    {
        string full = System.IO.Path.GetFullPath(path).TrimEnd(System.IO.Path.DirectorySeparatorChar);
        return full.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)
            ? System.IO.Path.GetFileNameWithoutExtension(full)
            : System.IO.Path.GetFileName(full);
    }

    public ModelFormat Format { get; }

    public ModelConfig Config { get; }

    public StrataTokenizer Tokenizer { get; }

    public ModelMetadata Metadata { get; }

    /// <summary>The chat template (the model's own, ChatML when it has none), parsed on first use.</summary>
    /// <exception cref="InvalidDataException">The model's chat template does not parse.</exception>
    public PromptFormatter Prompts => prompts.Value;

    /// <summary>The BOS id: config.json's, else the tokenizer's; null when the model has none.</summary>
    public int? BosTokenId { get; }

    /// <summary>Whether plain text gets a BOS in front: yes when the model has one, unless its tokenizer config says not.</summary>
    public bool AddsBos => BosTokenId is not null && Metadata.AddBosToken != false;

    /// <summary>Every id that ends generation: config.json's, generation_config.json's and the tokenizer's EOS.</summary>
    public IReadOnlyList<int> EndOfSequenceIds { get; }

    /// <summary>The longest sequence (prompt + completion) the model accepts.</summary>
    public int ContextLength => Config.ContextLength;

    /// <summary>Opens a model folder or a <c>.gguf</c> file; weights are not read.</summary>
    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>, or a folder without config.json or tokenizer.json.</exception>
    /// <exception cref="InvalidDataException">A file is malformed; the message names it.</exception>
    public static ModelPackage Open(string path)
    {
        string full = System.IO.Path.GetFullPath(path).TrimEnd(System.IO.Path.DirectorySeparatorChar);
        if (File.Exists(full)) return OpenGguf(full);
        if (!Directory.Exists(full)) throw new FileNotFoundException($"{path}: no model folder or .gguf file here", path);
        if (Encoders.EncoderConfig.Describes(full))
        {
            throw new InvalidDataException($"{path}: this is an encoder (BERT), not a language model; serve it with `strata serve --model {path}` for embed and rerank");
        }
        var config = ModelConfig.Load(full);
        return new ModelPackage(full, ModelFormat.HuggingFace, config, StrataTokenizer.FromDirectory(full), ModelMetadata.Load(full));
    }

    /// <summary>
    /// Only the tokenizer: of a model folder, a <c>.gguf</c> file, or a <c>tokenizer.json</c> given directly (tools that
    /// never run the model, such as <c>strata tokenize</c> and <c>strata data tokenize</c>).
    /// </summary>
    public static StrataTokenizer OpenTokenizer(string path)
    {
        if (Directory.Exists(path)) return StrataTokenizer.FromDirectory(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no model folder, .gguf file or tokenizer.json here", path);
        return IsGguf(path) ? StrataTokenizer.FromGguf(path) : StrataTokenizer.FromTokenizerJson(path);
    }

    /// <summary>Plain text as the model reads it: BOS (per <see cref="AddsBos"/>) + text, special-token text not parsed.</summary>
    public IReadOnlyList<int> EncodeText(string text, bool addBos = true)
    {
        var ids = new List<int>();
        if (addBos && AddsBos) ids.Add(BosTokenId!.Value);
        ids.AddRange(Tokenizer.Encode(text, addBos: false, parseSpecialTokens: false));
        return ids;
    }

    /// <summary>What the weights are, from headers only: parameter count, storage types (tensors per type) and bytes on disk.</summary>
    public WeightSummary DescribeWeights()
    {
        var types = new SortedDictionary<string, int>(StringComparer.Ordinal);
        long parameters = 0, bytes;
        if (gguf is not null)
        {
            foreach (var tensor in gguf.Tensors)
            {
                parameters += tensor.Shape.Aggregate(1L, (a, b) => checked(a * (long)b));
                string type = Quantization.GgmlTypes.Name((Quantization.GgmlType)tensor.GgmlType);
                types[type] = types.GetValueOrDefault(type) + 1;
            }
            bytes = new FileInfo(Path).Length;
        }
        else
        {
            using var weights = Checkpoints.CheckpointWeights.Open(Path);
            foreach (string name in weights.Names)
            {
                var info = weights.Info(name);
                parameters += info.ElementCount;
                string type = info.DType.ToString();
                types[type] = types.GetValueOrDefault(type) + 1;
            }
            bytes = Directory.EnumerateFiles(Path, "*.safetensors").Sum(f => new FileInfo(f).Length);
        }
        return new WeightSummary(parameters, types, bytes);
    }

    /// <summary>The single-stream generator's view of a backend loaded from this package, ending at <see cref="EndOfSequenceIds"/>.</summary>
    public BackendLanguageModel LanguageModel(IInferenceBackend backend) => new(backend, EndOfSequenceIds);

    /// <summary>Loads the weights into the runtime <paramref name="kind"/> asks for, with default options.</summary>
    public IInferenceBackend LoadBackend(BackendKind kind = BackendKind.Auto) => LoadBackend(new InferenceOptions { Backend = kind });

    /// <summary>
    /// Loads the weights into the runtime <paramref name="options"/> asks for. <see cref="BackendKind.Auto"/> is the native
    /// CPU runtime: inference here runs on CPU, where it is the faster of the two; training always uses TorchSharp.
    /// </summary>
    /// <exception cref="NotSupportedException">The runtime cannot run this model (the message says why).</exception>
    /// <exception cref="InvalidDataException">A weight is missing, mis-shaped or of an unreadable type; the message names it.</exception>
    public IInferenceBackend LoadBackend(InferenceOptions options) => options.Backend switch
    {
        BackendKind.Torch => LoadTorchBackend(),
        _ when gguf is not null => NativeBackend.FromGguf(Config, gguf, options),
        _ => NativeBackend.FromCheckpoint(Config, Path, options),
    };

    private TorchBackend LoadTorchBackend()
    {
        var model = LoadTorchModel();
        model.eval();
        return new TorchBackend(model, ownsModel: true);
    }

    /// <summary>The weights as a TorchSharp module (float32 on CPU unless asked otherwise), for training and tuning.</summary>
    /// <param name="adjust">Changes to the configuration that do not affect weight shapes (e.g. extra EOS ids for a chat model).</param>
    /// <param name="dtype">The weights' dtype in memory: bfloat16 or float16 halve a frozen base under a LoRA adapter.</param>
    public LlamaForCausalLM LoadTorchModel(Func<ModelConfig, ModelConfig>? adjust = null, ScalarType dtype = ScalarType.Float32)
    {
        if (Format == ModelFormat.Gguf)
        {
            throw new NotSupportedException($"{Path}: training and the torch backend need a Hugging Face folder; GGUF files run on the native backend (--backend native or auto)");
        }
        var model = new LlamaForCausalLM(adjust is null ? Config : adjust(Config));
        LlamaCheckpoint.LoadWeights(model, Path);
        if (dtype != ScalarType.Float32) model.to(dtype);
        return model;
    }

    private static ModelPackage OpenGguf(string path)
    {
        if (!IsGguf(path)) throw new InvalidDataException($"{path}: not a GGUF file; give a model folder or a .gguf file");
        var file = GgufFile.Read(path);
        var config = GgufArchitecture.ReadConfig(file);
        var tokenizer = StrataTokenizer.FromGguf(file);
        return new ModelPackage(path, ModelFormat.Gguf, config, tokenizer, ModelMetadata.FromGguf(file, tokenizer)) { gguf = file };
    }

    private static bool IsGguf(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.Read(magic) == 4 && magic.SequenceEqual("GGUF"u8);
    }
}
