using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Strata.Training.Loop;

/// <summary>
/// The loss a run minimises on a training batch, from the model's logits (B, T, V). Validation always reports
/// next-token cross-entropy, so runs with different objectives stay comparable.
/// </summary>
public interface ITrainingObjective
{
    Tensor Loss(Tensor logits, TrainingBatch batch);
}

/// <summary>Cross-entropy against the batch's targets, averaged over the trained positions: pretraining and tuning.</summary>
public sealed class NextTokenLoss : ITrainingObjective
{
    public static NextTokenLoss Instance { get; } = new();

    public Tensor Loss(Tensor logits, TrainingBatch batch) => Of(logits, batch.Targets);

    /// <summary>Mean cross-entropy of logits (…, V) against targets (…), −100 ignored.</summary>
    public static Tensor Of(Tensor logits, Tensor targets) =>
        F.cross_entropy(logits.view(-1, logits.shape[^1]).to_type(ScalarType.Float32), targets.view(-1), ignore_index: -100);
}
