using Strata.Models.Adapters;
using Strata.Models.Llama;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Strata.Training.Loop;

/// <summary>
/// What a run trains and how its weights are written, at each checkpoint and at the end: the whole model as an HF
/// checkpoint, or a LoRA adapter over a frozen base in PEFT's layout.
/// </summary>
public interface ITrainedWeights
{
    /// <summary>The trained module, switched between train and eval mode with the model (LoRA dropout).</summary>
    nn.Module Module { get; }

    /// <summary>The parameters the optimizer updates, with whether weight decay applies (matrices, not norms or biases).</summary>
    IReadOnlyList<(string Name, Parameter Parameter, bool Decay)> Parameters { get; }

    /// <summary>Called before every step with a seed derived from the run's seed and the step: whatever the weights draw at random (LoRA dropout) restarts from it, so a resumed run repeats the same draws.</summary>
    void SeedStep(long seed);

    /// <summary>Writes the weights into a directory (a checkpoint, or the run's output).</summary>
    void Save(string directory);

    /// <summary>Reads weights written by <see cref="Save"/> back in place (resume, roll back).</summary>
    void Load(string directory);
}

/// <summary>Full training: every parameter of the model, written as an HF checkpoint.</summary>
public sealed class WholeModel(LlamaForCausalLM model) : ITrainedWeights
{
    public nn.Module Module => model;

    public IReadOnlyList<(string Name, Parameter Parameter, bool Decay)> Parameters { get; } =
        model.named_parameters().Select(p => (p.name, p.parameter, p.parameter.dim() >= 2)).ToList();

    // The model draws nothing at random while training (no dropout).
    public void SeedStep(long seed)
    {
    }

    public void Save(string directory) => LlamaCheckpoint.Save(model, directory);

    public void Load(string directory) => LlamaCheckpoint.LoadWeights(model, directory);
}

/// <summary>
/// LoRA: the base model's parameters are frozen (no gradients, no optimizer state) and only the adapter's A and B
/// matrices train; checkpoints and the output hold the adapter alone, in PEFT's layout.
/// </summary>
public sealed class AdapterWeights : ITrainedWeights
{
    private readonly LoraAdapter adapter;

    public AdapterWeights(LlamaForCausalLM model, LoraAdapter adapter)
    {
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        model.Attach(adapter);
        this.adapter = adapter;
        Parameters = adapter.named_parameters().Select(p => (p.name, p.parameter, true)).ToList();
    }

    public nn.Module Module => adapter;

    public IReadOnlyList<(string Name, Parameter Parameter, bool Decay)> Parameters { get; }

    public void SeedStep(long seed) => adapter.SeedDropout(seed);

    public void Save(string directory) => adapter.Save(directory);

    public void Load(string directory) => adapter.Restore(directory);
}
