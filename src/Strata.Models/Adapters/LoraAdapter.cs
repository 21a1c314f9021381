using Strata.Models;
using Strata.Models.Checkpoints;
using Strata.Models.Configuration;
using Strata.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Models.Adapters;

/// <summary>
/// A LoRA adapter for a Llama-layout model: one <see cref="LoraLayer"/> per decoder layer and target projection, kept
/// apart from the model (it is not one of the model's modules, so the base checkpoint's tensors never change), attached
/// with <see cref="LlamaForCausalLM.Attach"/>. Saved and loaded in PEFT's layout: <c>adapter_config.json</c> plus
/// <c>adapter_model.safetensors</c> with keys
/// <c>base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight</c> ([r, in]) and <c>….lora_B.weight</c> ([out, r]).
/// </summary>
public sealed class LoraAdapter : nn.Module
{
    private readonly LoraLayer?[][] slots;
    private readonly ModelConfig model;
    private readonly Generator dropoutGenerator = new(0);

    private LoraAdapter(ModelConfig model, LoraConfig config, long seed, Device? device) : base(nameof(LoraAdapter))
    {
        config.Validate();
        Config = config;
        this.model = model;
        using var generator = new Generator((ulong)seed);
        slots = new LoraLayer?[model.NumHiddenLayers][];
        for (int layer = 0; layer < slots.Length; layer++)
        {
            slots[layer] = new LoraLayer?[LoraConfig.KnownTargets.Count];
            foreach (string target in config.LayerTargets)
            {
                var (inFeatures, outFeatures) = PeftAdapterFile.Shape(model, target);
                var lora = new LoraLayer(inFeatures, outFeatures, config.Rank, config.Scale, config.Dropout, generator, dropoutGenerator, device);
                slots[layer][TargetIndex(target)] = lora;
                register_module($"layers_{layer}_{target}", lora);
            }
        }
        if (config.AdaptsEmbedding)
        {
            Embedding = new EmbeddingLora(model.VocabSize, model.HiddenSize, config.Rank, config.Scale, generator, device);
            register_module(LoraConfig.EmbeddingTarget, Embedding);
        }
        // Dropout only while a trainer says so: the model's own train()/eval() does not reach a module it does not own.
        eval();
    }

    public LoraConfig Config { get; }

    /// <summary>The token embedding's update, or null when <c>embed_tokens</c> is not a target.</summary>
    public EmbeddingLora? Embedding { get; }

    /// <summary>Whether the embedding's update also reaches the logits: the LM head is the embedding and the adapter keeps them tied.</summary>
    public bool AdaptsOutput => Embedding is not null && Config.EnsureWeightTying && model.TieWordEmbeddings;

    /// <summary>A fresh adapter (B = 0: the adapted model starts out equal to the base) for a model of <paramref name="model"/>'s shape.</summary>
    public static LoraAdapter Create(ModelConfig model, LoraConfig config, long seed = 0, Device? device = null) => new(model, config, seed, device);

    /// <summary>The update for projection <paramref name="target"/> of decoder layer <paramref name="layer"/>, or null if not adapted.</summary>
    public LoraLayer? this[int layer, string target] => slots[layer][TargetIndex(target)];

    /// <summary>Restarts the dropout masks' random stream (a trainer does so every step, so a resumed run draws the same masks).</summary>
    public void SeedDropout(long seed) => dropoutGenerator.manual_seed(seed);

    /// <summary>Decoder layers the adapter covers.</summary>
    public int Layers => slots.Length;

    /// <summary>A decoder layer's updates indexed as <see cref="LoraConfig.KnownTargets"/>.</summary>
    internal LoraLayer?[] Slots(int layer) => slots[layer];

    /// <summary>Writes <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> (float32, as PEFT saves a float32 adapter).</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (layer, target, lora) in Updates())
        {
            tensors.Add(new(PeftAdapterFile.Key(layer, target, 'A'), lora.A.detach().to(ScalarType.Float32).contiguous()));
            tensors.Add(new(PeftAdapterFile.Key(layer, target, 'B'), lora.B.detach().to(ScalarType.Float32).contiguous()));
        }
        if (Embedding is not null)
        {
            tensors.Add(new(PeftAdapterFile.EmbeddingKey('A'), Embedding.A.detach().to(ScalarType.Float32).contiguous()));
            tensors.Add(new(PeftAdapterFile.EmbeddingKey('B'), Embedding.B.detach().to(ScalarType.Float32).contiguous()));
        }
        SafeTensorsWriter.Write(Path.Combine(directory, PeftAdapterFile.WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var (_, tensor) in tensors) tensor.Dispose();
        Config.Save(directory);
    }

    /// <summary>Reads a PEFT LoRA adapter directory for a base model of <paramref name="model"/>'s shape.</summary>
    /// <exception cref="InvalidDataException">The adapter does not fit the base (another model's adapter), misses or adds tensors; the message names the file and tensor.</exception>
    public static LoraAdapter Load(string directory, ModelConfig model, Device? device = null)
    {
        var adapter = new LoraAdapter(model, LoraConfig.Load(directory), 0, device);
        adapter.ReadWeights(directory);
        return adapter;
    }

    /// <summary>Copies the weights of an adapter directory with this adapter's settings into this adapter (a training run resuming).</summary>
    /// <exception cref="InvalidDataException">The directory's adapter has other settings or shapes.</exception>
    public void Restore(string directory)
    {
        var saved = LoraConfig.Load(directory);
        if (saved.Rank != Config.Rank || !saved.TargetModules.Order(StringComparer.Ordinal).SequenceEqual(Config.TargetModules.Order(StringComparer.Ordinal)))
        {
            throw new InvalidDataException($"{Path.Combine(directory, LoraConfig.FileName)}: r {saved.Rank} on {string.Join(",", saved.TargetModules)}, "
                + $"but this run trains r {Config.Rank} on {string.Join(",", Config.TargetModules)}");
        }
        ReadWeights(directory);
    }

    private void ReadWeights(string directory)
    {
        using var _ = no_grad();
        foreach (var update in PeftAdapterFile.ReadUpdates(directory, model, Config))
        {
            var lora = this[update.Layer, update.Target]!;
            using var a = torch.tensor(update.A, lora.A.shape);
            using var b = torch.tensor(update.B, lora.B.shape);
            lora.A.copy_(a);
            lora.B.copy_(b);
        }
        if (Embedding is not null)
        {
            var update = PeftAdapterFile.ReadEmbedding(directory, model, Config);
            using var a = torch.tensor(update.A, Embedding.A.shape);
            using var b = torch.tensor(update.B, Embedding.B.shape);
            Embedding.A.copy_(a);
            Embedding.B.copy_(b);
        }
    }

    /// <summary>Adds scale·B·A to each adapted base weight: the adapter becomes part of the model (<c>strata merge</c>).</summary>
    public void MergeInto(LlamaForCausalLM model)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var _ = no_grad();
        foreach (var (layer, target, lora) in Updates())
        {
            var weight = parameters[PeftAdapterFile.BaseWeightName(layer, target)];
            using var delta = lora.Delta();
            weight.PlusInPlace(delta.to(weight.dtype));
        }
        if (Embedding is not null)
        {
            // A tied LM head is the embedding itself, so it takes the update too, as ensure_weight_tying asks. An untied
            // head is left alone (PEFT adapts the input embedding only).
            var weight = parameters["model.embed_tokens.weight"];
            using var delta = Embedding.Delta();
            if (!model.Config.TieWordEmbeddings || Config.EnsureWeightTying) weight.PlusInPlace(delta.to(weight.dtype));
            else throw new InvalidDataException("the adapter adapts embed_tokens of a model with a tied LM head without ensure_weight_tying: "
                + "the input embedding and the head would differ, and one tied matrix cannot hold both");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) dropoutGenerator.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Trainable parameters: Σ r·(in + out) over the updates (r·(vocab + hidden) for the embedding's).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    private IEnumerable<(int Layer, string Target, LoraLayer Lora)> Updates()
    {
        for (int layer = 0; layer < slots.Length; layer++)
        {
            for (int t = 0; t < slots[layer].Length; t++)
            {
                if (slots[layer][t] is { } lora) yield return (layer, LoraConfig.KnownTargets[t], lora);
            }
        }
    }

    internal static int TargetIndex(string target)
    {
        for (int i = 0; i < LoraConfig.KnownTargets.Count; i++) if (LoraConfig.KnownTargets[i] == target) return i;
        throw new ArgumentException($"unknown target module '{target}'", nameof(target));
    }
}
