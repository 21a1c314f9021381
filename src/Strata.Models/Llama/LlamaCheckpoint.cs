using Strata.Models.Checkpoints;
using Strata.Models.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Models.Llama;

/// <summary>Creates, loads and saves <see cref="LlamaForCausalLM"/> models as HF checkpoint directories.</summary>
public static class LlamaCheckpoint
{
    /// <summary>Standard deviation of the random initialisation (HF's <c>initializer_range</c>).</summary>
    public const double InitializerRange = 0.02;

    /// <summary>A model with random weights: normal(0, 0.02) matrices and embeddings, unit norms.</summary>
    /// <param name="device">Where to allocate; the <c>meta</c> device builds shapes without memory.</param>
    public static LlamaForCausalLM Create(ModelConfig config, Device? device = null, long seed = 0)
    {
        var model = new LlamaForCausalLM(config, device);
        if (device?.type == TorchSharp.DeviceType.META) return model;
        using var generator = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.EndsWith("norm.weight", StringComparison.Ordinal)) continue;
                if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
                else parameter.normal_(0, InitializerRange, generator);
            }
        }
        return model;
    }

    /// <summary>Loads <c>config.json</c> and the (possibly sharded) safetensors weights of <paramref name="directory"/>.</summary>
    /// <param name="dtype">Compute dtype; F16/BF16 weights are converted on load (float32 is right for CPU).</param>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected or has the wrong shape; the message names the file.</exception>
    /// <param name="adjust">Changes to the configuration that do not affect weight shapes (e.g. extra EOS ids for a chat model).</param>
    public static LlamaForCausalLM Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32,
        Func<ModelConfig, ModelConfig>? adjust = null)
    {
        var config = ModelConfig.Load(directory);
        if (adjust is not null) config = adjust(config);
        var model = new LlamaForCausalLM(config, device);
        LoadWeights(model, directory);
        if (dtype != ScalarType.Float32) model.to(dtype);
        return model;
    }

    /// <summary>
    /// Copies the (possibly sharded) safetensors weights of <paramref name="directory"/> into an existing model,
    /// converting to each parameter's dtype: how a checkpoint is loaded and how a training run is restored.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected or has the wrong shape; the message names the file.</exception>
    public static void LoadWeights(LlamaForCausalLM model, string directory)
    {
        var config = model.Config;
        using var weights = CheckpointWeights.Open(directory);
        var expected = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (string name in weights.Names)
        {
            if (expected.ContainsKey(name) || IsIgnorable(name, config)) continue;
            throw new InvalidDataException($"{directory}: unexpected tensor '{name}' for a {config.Architectures[0]} with this config.json");
        }
        weights.CopyInto(expected);
    }

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> (sharded past <paramref name="maxShardBytes"/>).</summary>
    public static void Save(LlamaForCausalLM model, string directory, long maxShardBytes = 2L << 30)
    {
        Directory.CreateDirectory(directory);
        var tensors = model.named_parameters()
            .Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach().contiguous()))
            .ToList();
        CheckpointWeights.Save(directory, tensors, maxShardBytes, new Dictionary<string, string> { ["format"] = "pt" });
        string dtypeName = tensors.Count > 0 ? TorchDtypeName(tensors[0].Value.dtype) : "float32";
        (model.Config with { TorchDtype = dtypeName }).Save(directory);
        foreach (var (_, tensor) in tensors) tensor.Dispose();
    }

    // Old checkpoints stored RoPE tables; a tied model may still carry a copy of the embedding as lm_head.
    private static bool IsIgnorable(string name, ModelConfig config) =>
        name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)
        || (config.TieWordEmbeddings && name == "lm_head.weight");

    private static string TorchDtypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => "float32",
    };
}
