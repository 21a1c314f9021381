using Strata.Models.Adapters;
using Strata.Models.Llama;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Strata.Training.Loop;

/// <summary>
/// A parameter the optimizer updates: whether weight decay applies (matrices, not norms or biases) and a multiplier on
/// the run's learning rate (LoRA+ steps B faster than A).
/// </summary>
public sealed record TrainedParameter(string Name, Parameter Parameter, bool Decay, double LearningRateScale = 1);

/// <summary>
/// What a run trains and how its weights are written, at each checkpoint and at the end: the whole model as an HF
/// checkpoint, or a LoRA adapter over a frozen base in PEFT's layout.
/// </summary>
public interface ITrainedWeights
{
    /// <summary>The trained module, switched between train and eval mode with the model (LoRA dropout).</summary>
    nn.Module Module { get; }

    /// <summary>The parameters the optimizer updates.</summary>
    IReadOnlyList<TrainedParameter> Parameters { get; }

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

    public IReadOnlyList<TrainedParameter> Parameters { get; } =
        model.named_parameters().Select(p => new TrainedParameter(p.name, p.parameter, p.parameter.dim() >= 2)).ToList();

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

    /// <param name="plusRatio">
    /// LoRA+ (Hayou et al., 2024; PEFT's <c>create_loraplus_optimizer</c>): B's learning rate is this multiple of A's.
    /// B starts at zero and A at its random projection, so one learning rate is either too slow for B or too fast for A.
    /// </param>
    /// <param name="embeddingRatio">
    /// The embedding update's learning rate as a multiple of the run's. Its B starts standard normal (PEFT's init), so a
    /// step of A moves a token's row √hidden times further than a projection's update moves its output.
    /// </param>
    public AdapterWeights(LlamaForCausalLM model, LoraAdapter adapter, double plusRatio = 1, double embeddingRatio = 1)
    {
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        model.Attach(adapter);
        this.adapter = adapter;
        Parameters = adapter.named_parameters()
            .Select(p => new TrainedParameter(p.name, p.parameter, true,
                p.name.Contains("lora_embedding", StringComparison.Ordinal) ? embeddingRatio
                : p.name.EndsWith("lora_B", StringComparison.Ordinal) ? plusRatio : 1))
            .ToList();
    }

    public nn.Module Module => adapter;

    public IReadOnlyList<TrainedParameter> Parameters { get; }

    public void SeedStep(long seed) => adapter.SeedDropout(seed);

    public void Save(string directory) => adapter.Save(directory);

    public void Load(string directory) => adapter.Restore(directory);
}
