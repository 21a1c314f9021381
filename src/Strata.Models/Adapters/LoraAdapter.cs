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
    public const string WeightsFileName = "adapter_model.safetensors";

    private readonly LoraLayer?[][] slots;
    private readonly Generator dropoutGenerator = new(0);

    private LoraAdapter(ModelConfig model, LoraConfig config, long seed, Device? device) : base(nameof(LoraAdapter))
    {
        config.Validate();
        Config = config;
        using var generator = new Generator((ulong)seed);
        slots = new LoraLayer?[model.NumHiddenLayers][];
        for (int layer = 0; layer < slots.Length; layer++)
        {
            slots[layer] = new LoraLayer?[LoraConfig.KnownTargets.Count];
            foreach (string target in config.TargetModules)
            {
                var (inFeatures, outFeatures) = Shape(model, target);
                var lora = new LoraLayer(inFeatures, outFeatures, config.Rank, config.Scale, config.Dropout, generator, dropoutGenerator, device);
                slots[layer][TargetIndex(target)] = lora;
                register_module($"layers_{layer}_{target}", lora);
            }
        }
        // Dropout only while a trainer says so: the model's own train()/eval() does not reach a module it does not own.
        eval();
    }

    public LoraConfig Config { get; }

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

    /// <summary>PEFT's key for one of the two matrices of an update.</summary>
    public static string PeftKey(int layer, string target, char matrix) =>
        $"base_model.model.model.layers.{layer}.{Block(target)}.{target}.lora_{matrix}.weight";

    /// <summary>The HF name of the base weight an update adds to.</summary>
    public static string BaseWeightName(int layer, string target) => $"model.layers.{layer}.{Block(target)}.{target}.weight";

    /// <summary>Writes <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> (float32, as PEFT saves a float32 adapter).</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (layer, target, lora) in Updates())
        {
            tensors.Add(new(PeftKey(layer, target, 'A'), lora.A.detach().to(ScalarType.Float32).contiguous()));
            tensors.Add(new(PeftKey(layer, target, 'B'), lora.B.detach().to(ScalarType.Float32).contiguous()));
        }
        SafeTensorsWriter.Write(Path.Combine(directory, WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
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
        if (saved.Rank != Config.Rank || !saved.TargetModules.Order().SequenceEqual(Config.TargetModules.Order()))
        {
            throw new InvalidDataException($"{Path.Combine(directory, LoraConfig.FileName)}: r {saved.Rank} on {string.Join(",", saved.TargetModules)}, "
                + $"but this run trains r {Config.Rank} on {string.Join(",", Config.TargetModules)}");
        }
        ReadWeights(directory);
    }

    private void ReadWeights(string directory)
    {
        string path = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found", path);
        using var file = SafeTensorsFile.Open(path);
        // PEFT writes keys without the adapter name; some tools keep ".default".
        var names = file.Tensors.Keys.ToDictionary(k => k.Replace(".lora_A.default.weight", ".lora_A.weight").Replace(".lora_B.default.weight", ".lora_B.weight"), k => k);
        var expected = new HashSet<string>();
        using (no_grad())
        {
            foreach (var (layer, target, lora) in Updates())
            {
                foreach (var (matrix, parameter) in new[] { ('A', lora.A), ('B', lora.B) })
                {
                    string key = PeftKey(layer, target, matrix);
                    expected.Add(key);
                    if (!names.TryGetValue(key, out string? stored)) throw new InvalidDataException($"{path}: tensor '{key}' is missing (target_modules names {target})");
                    var shape = file.Info(stored).Shape;
                    if (!shape.SequenceEqual(parameter.shape))
                    {
                        throw new InvalidDataException($"{path}: tensor '{key}' has shape [{string.Join(", ", shape)}], a base model with this config needs "
                            + $"[{string.Join(", ", parameter.shape)}]: the adapter was trained for another base model");
                    }
                    using var value = file.Load(stored, parameter.dtype);
                    parameter.copy_(value);
                }
            }
        }
        if (names.Keys.FirstOrDefault(k => !expected.Contains(k)) is { } extra)
        {
            throw new InvalidDataException($"{path}: unexpected tensor '{extra}' (layers beyond the base model's {slots.Length}, or a module outside target_modules)");
        }
    }

    /// <summary>Adds scale·B·A to each adapted base weight: the adapter becomes part of the model (<c>strata merge</c>).</summary>
    public void MergeInto(LlamaForCausalLM model)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var _ = no_grad();
        foreach (var (layer, target, lora) in Updates())
        {
            var weight = parameters[BaseWeightName(layer, target)];
            using var delta = lora.Delta();
            weight.add_(delta.to(weight.dtype));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) dropoutGenerator.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Trainable parameters: Σ r·(in + out) over the updates.</summary>
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

    private static string Block(string target) => target is "gate_proj" or "up_proj" or "down_proj" ? "mlp" : "self_attn";

    private static (int In, int Out) Shape(ModelConfig model, int queryWidth, int keyWidth, string target) => target switch
    {
        "q_proj" => (model.HiddenSize, queryWidth),
        "k_proj" or "v_proj" => (model.HiddenSize, keyWidth),
        "o_proj" => (queryWidth, model.HiddenSize),
        "gate_proj" or "up_proj" => (model.HiddenSize, model.IntermediateSize),
        _ => (model.IntermediateSize, model.HiddenSize),
    };

    private static (int In, int Out) Shape(ModelConfig model, string target) =>
        Shape(model, model.NumAttentionHeads * model.HeadDimension, model.KeyValueHeads * model.HeadDimension, target);
}
