using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Training.Loop;

/// <summary>
/// One micro-batch: int64 (B, T) inputs and targets (−100 = ignored), an optional additive mask and, when a student
/// learns from a teacher, the teacher's distributions at the trained positions.
/// </summary>
public sealed record TrainingBatch(Tensor Inputs, Tensor Targets, Tensor? AttentionMask = null) : IDisposable
{
    /// <summary>The teacher's view of the trained positions (targets ≠ −100, row-major), or null.</summary>
    public TeacherTargets? Teacher { get; init; }

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
        AttentionMask?.Dispose();
        Teacher?.Dispose();
    }
}

/// <summary>
/// A teacher's next-token distributions at a batch's N trained positions, in the order of the flattened targets:
/// log-probabilities (N, V) over the whole vocabulary when <see cref="Ids"/> is null, otherwise (N, k) at the teacher's
/// top k token ids <see cref="Ids"/> (N, k, int64).
/// </summary>
public sealed record TeacherTargets(Tensor Logprobs, Tensor? Ids) : IDisposable
{
    /// <summary>The indices of the trained positions among the flattened targets (≠ −100), in the order teachers give them.</summary>
    public static Tensor Positions(Tensor targets)
    {
        using var ignored = (-100L).ToScalar(); // held across the native call
        return targets.view(-1).ne(ignored).nonzero().squeeze(1);
    }

    public void Dispose()
    {
        Logprobs.Dispose();
        Ids?.Dispose();
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
