using static TorchSharp.torch;

namespace Strata.Training.Loop;

/// <summary>One micro-batch: int64 (B, T) inputs and targets (−100 = ignored), and an optional additive mask.</summary>
public sealed record TrainingBatch(Tensor Inputs, Tensor Targets, Tensor? AttentionMask = null) : IDisposable
{
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
        AttentionMask?.Dispose();
    }
}

/// <summary>
/// Where a run's batches come from. <see cref="Batch"/> must be a pure function of its index, so that a
/// resumed run sees exactly the batches the uninterrupted run would have seen (no hidden RNG state).
/// </summary>
public interface ITrainingData
{
    /// <summary>The micro-batch with this global index (step × accumulation + micro-step).</summary>
    TrainingBatch Batch(long index);

    /// <summary>Validation batches in a fixed order, up to about <paramref name="maxTokens"/> tokens (null: all).</summary>
    IEnumerable<TrainingBatch> Validation(long? maxTokens);

    /// <summary>Characters of validation text per validation token, for bits per character; null if unknown.</summary>
    double? ValidationCharactersPerToken { get; }
}
