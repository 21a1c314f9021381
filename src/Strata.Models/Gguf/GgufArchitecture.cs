using System.Globalization;
using Strata.Models.Configuration;

namespace Strata.Models.Gguf;

/// <summary>
/// The one mapping between a Hugging Face Llama/Qwen2 <see cref="ModelConfig"/> and GGUF metadata (llama.cpp's
/// <c>llama</c> and <c>qwen2</c> architectures). Tensor names and the Q/K row order are in <see cref="GgufTensorNames"/>,
/// Llama 3 RoPE scaling in <see cref="GgufRopeFactors"/>.
/// </summary>
public static class GgufArchitecture
{
    /// <summary>GGUF's <c>general.quantization_version</c> (ggml's <c>GGML_QNT_VERSION</c>).</summary>
    public const uint QuantizationVersion = 2;

    /// <summary>The GGUF architectures Strata reads and writes.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["llama", "qwen2"];

    /// <summary>
    /// Whether files of <paramref name="architecture"/> hold Q/K projections permuted by convert_hf_to_gguf.py (so that
    /// llama.cpp rotates adjacent pairs): <c>llama</c> yes, <c>qwen2</c> no. The exporter permutes by this rule and the
    /// native runtime picks its RoPE convention by it.
    /// </summary>
    public static bool PermutesQueryKey(string? architecture) => architecture == "llama";

    /// <summary>
    /// The GGUF architecture for a config: <c>llama</c> for LlamaForCausalLM and MistralForCausalLM (as
    /// convert_hf_to_gguf.py maps them), <c>qwen2</c> for Qwen2ForCausalLM.
    /// </summary>
    /// <exception cref="NotSupportedException">ALiBi (llama.cpp's llama graph always applies RoPE), another architecture,
    /// or a RoPE scaling llama.cpp cannot express for it; the message names <paramref name="source"/>.</exception>
    public static string ArchitectureOf(ModelConfig config, string source = "config")
    {
        if (config.PositionEncoding == PositionEncoding.Alibi)
        {
            throw new NotSupportedException(
                $"{source}: ALiBi models cannot be written as GGUF: llama.cpp's llama and qwen2 graphs always apply RoPE, so the file would run as a different model");
        }
        string architecture = config.Architectures.Contains("Qwen2ForCausalLM") ? "qwen2"
            : config.Architectures.Any(a => a is "LlamaForCausalLM" or "MistralForCausalLM") ? "llama"
            : throw new NotSupportedException(
                $"{source}: architecture [{string.Join(", ", config.Architectures)}] has no GGUF mapping in Strata (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)");
        string scaling = config.RopeScaling?.Kind ?? "default";
        if (scaling == "llama3" && architecture != "llama")
            throw new NotSupportedException($"{source}: llama3 RoPE scaling is only read by llama.cpp's llama architecture, not {architecture}");
        if (scaling is not ("default" or "linear" or "llama3"))
            throw new NotSupportedException($"{source}: rope_scaling '{scaling}' has no GGUF mapping in Strata (linear, llama3)");
        return architecture;
    }

    /// <summary>
    /// The model metadata llama.cpp expects, in the order convert_hf_to_gguf.py writes it: <c>general.*</c> (with
    /// <c>general.file_type</c> and <c>general.quantization_version</c>) and <c>{arch}.*</c> hyperparameters. The
    /// tokenizer's keys come from <c>GgufTokenizerMetadata</c>; llama3 RoPE scaling is a tensor
    /// (<see cref="GgufRopeFactors.FromConfig"/>), not a key.
    /// </summary>
    /// <exception cref="NotSupportedException">See <see cref="ArchitectureOf"/>.</exception>
    public static IReadOnlyList<KeyValuePair<string, object>> WriteMetadata(ModelConfig config, GgufFileType fileType, string? name = null,
        string source = "config")
    {
        string arch = ArchitectureOf(config, source);
        var entries = new List<KeyValuePair<string, object>>();
        void Add(string key, object value) => entries.Add(new(key, value));
        Add("general.architecture", arch);
        if (!string.IsNullOrEmpty(name)) Add("general.name", name);
        Add("general.file_type", (uint)fileType);
        Add("general.quantization_version", QuantizationVersion);
        Add($"{arch}.vocab_size", (uint)config.VocabSize);
        Add($"{arch}.context_length", (uint)config.MaxPositionEmbeddings);
        Add($"{arch}.embedding_length", (uint)config.HiddenSize);
        Add($"{arch}.block_count", (uint)config.NumHiddenLayers);
        Add($"{arch}.feed_forward_length", (uint)config.IntermediateSize);
        Add($"{arch}.attention.head_count", (uint)config.NumAttentionHeads);
        Add($"{arch}.attention.head_count_kv", (uint)config.KeyValueHeads);
        Add($"{arch}.attention.layer_norm_rms_epsilon", (float)config.RmsNormEps);
        Add($"{arch}.rope.freq_base", (float)config.RopeTheta);
        Add($"{arch}.rope.dimension_count", (uint)config.HeadDimension);
        if (config.HeadDim is int headDim)
        {
            Add($"{arch}.attention.key_length", (uint)headDim);
            Add($"{arch}.attention.value_length", (uint)headDim);
        }
        if (config.RopeScaling is { Kind: "linear" } linear)
        {
            Add($"{arch}.rope.scaling.type", "linear");
            Add($"{arch}.rope.scaling.factor", (float)linear.Factor);
        }
        return entries;
    }

    /// <summary>
    /// Reads a GGUF file's hyperparameters as a validated <see cref="ModelConfig"/> (architecture LlamaForCausalLM or
    /// Qwen2ForCausalLM). Tied embeddings mean no <c>output.weight</c> tensor; a <c>rope_freqs.weight</c> tensor becomes
    /// llama3 <c>rope_scaling</c> (see <see cref="GgufRopeFactors.ToRopeScaling"/>); EOS ids are the file's eos, eot and eom
    /// tokens. Float metadata is float32 in GGUF and is read back as its shortest decimal (1e-5f → 1e-5).
    /// </summary>
    /// <exception cref="NotSupportedException">Another architecture, or yarn/longrope scaling, or a partial rotary dimension;
    /// the message names the file and what it holds.</exception>
    /// <exception cref="InvalidDataException">Missing or malformed hyperparameters; the message names the file and the key.</exception>
    public static ModelConfig ReadConfig(GgufFile file)
    {
        string path = file.Path;
        string arch = file.GetString("general.architecture")
            ?? throw new InvalidDataException($"{path}: no general.architecture metadata; not a model file");
        if (!Supported.Contains(arch))
            throw new NotSupportedException($"{path}: GGUF architecture '{arch}' is not supported (supported: {string.Join(", ", Supported)})");

        int Required(string key) => Int(file, $"{arch}.{key}") ?? throw new InvalidDataException($"{path}: missing {arch}.{key}");
        int hidden = Required("embedding_length"), heads = Required("attention.head_count");
        int? keyLength = Int(file, $"{arch}.attention.key_length");
        int? valueLength = Int(file, $"{arch}.attention.value_length");
        if (valueLength is int v && v != (keyLength ?? hidden / heads))
            throw new NotSupportedException($"{path}: value head size {v} differs from the key head size {keyLength ?? hidden / heads}");
        int headDim = keyLength ?? hidden / heads;
        if (Int(file, $"{arch}.rope.dimension_count") is int rotary && rotary != headDim)
            throw new NotSupportedException($"{path}: RoPE over {rotary} of {headDim} head dimensions (partial rotary) is not supported");

        int vocab = Int(file, $"{arch}.vocab_size")
            ?? (file.TryGet("tokenizer.ggml.tokens", out string[] tokens) ? tokens.Length
                : throw new InvalidDataException($"{path}: neither {arch}.vocab_size nor tokenizer.ggml.tokens gives the vocabulary size"));
        double theta = Float(file, $"{arch}.rope.freq_base") ?? 10000.0;
        bool hasBias = file.Tensors.Any(t => t.Name == "blk.0.attn_q.bias");
        var eos = new[] { "eos", "eot", "eom" }.Select(k => Int(file, $"tokenizer.ggml.{k}_token_id")).OfType<int>().Distinct().ToArray();
        var config = new ModelConfig
        {
            Architectures = [arch == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"],
            ModelType = arch,
            VocabSize = vocab,
            HiddenSize = hidden,
            IntermediateSize = Required("feed_forward_length"),
            NumHiddenLayers = Required("block_count"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = Int(file, $"{arch}.attention.head_count_kv") ?? heads,
            HeadDim = keyLength,
            RmsNormEps = Float(file, $"{arch}.attention.layer_norm_rms_epsilon")
                ?? throw new InvalidDataException($"{path}: missing {arch}.attention.layer_norm_rms_epsilon"),
            RopeTheta = theta,
            RopeScaling = ReadRopeScaling(file, arch, theta, headDim),
            MaxPositionEmbeddings = Required("context_length"),
            TieWordEmbeddings = !file.Tensors.Any(t => t.Name == "output.weight"),
            // Qwen2 implies biases and Llama implies none; only a file that differs says so explicitly.
            AttentionBias = hasBias == (arch == "qwen2") ? null : hasBias,
            BosTokenId = Int(file, "tokenizer.ggml.bos_token_id"),
            EosTokenIds = eos,
        };
        config.Validate(path);
        return config;
    }

    private static RopeScaling? ReadRopeScaling(GgufFile file, string arch, double theta, int headDim)
    {
        string type = file.GetString($"{arch}.rope.scaling.type") ?? "none";
        double? legacyLinear = Float(file, $"{arch}.rope.scale_linear");
        if (type == "linear" || (type == "none" && legacyLinear is not null && legacyLinear != 1))
        {
            double factor = Float(file, $"{arch}.rope.scaling.factor") ?? legacyLinear
                ?? throw new InvalidDataException($"{file.Path}: {arch}.rope.scaling.type is linear but no {arch}.rope.scaling.factor is given");
            return new RopeScaling { RopeType = "linear", Factor = factor };
        }
        if (type != "none")
            throw new NotSupportedException($"{file.Path}: RoPE scaling '{type}' is not supported (linear, and llama3 through rope_freqs)");
        var tensor = file.Tensors.FirstOrDefault(t => t.Name == GgufTensorNames.RopeFrequencies);
        if (tensor is null) return null;
        using var reader = new GgufTensorReader(file);
        int original = Int(file, $"{arch}.rope.scaling.original_context_length") ?? GgufRopeFactors.DefaultOriginalContext;
        return GgufRopeFactors.ToRopeScaling(reader.ReadAll(tensor), theta, headDim, original, file.Path);
    }

    private static int? Int(GgufFile file, string key)
    {
        long? value = file.GetInteger(key);
        if (value is null) return null;
        if (value is < 0 or > int.MaxValue) throw new InvalidDataException($"{file.Path}: {key} = {value} is out of range");
        return (int)value;
    }

    /// <summary>A float metadata value as the double its shortest decimal names, so 1e-5f reads back as 1e-5.</summary>
    private static double? Float(GgufFile file, string key)
    {
        if (!file.Metadata.TryGetValue(key, out object? value)) return null;
        return value switch
        {
            float f => double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
            double d => d,
            _ => file.GetInteger(key) ?? throw new InvalidDataException($"{file.Path}: {key} is not a number"),
        };
    }
}
