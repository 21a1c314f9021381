using Strata.Models.Llama;
using Strata.Training.Loop;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Strata.Training.Distillation;

/// <summary>
/// Training data with the teacher's whole next-token distribution attached to every batch: the teacher runs forward
/// (no gradients) on the same inputs just before the student does. Costs a teacher forward per micro-batch and the
/// teacher's weights in memory; <see cref="TeacherTopKCache"/> trades that for disk. Validation batches pass through
/// untouched (validation reports the student's cross-entropy).
/// </summary>
public sealed class TeacherBesideStudent(ITrainingData data, LlamaForCausalLM teacher) : ITrainingData
{
    public TrainingBatch Batch(long index)
    {
        var batch = data.Batch(index);
        return batch with { Teacher = new TeacherTargets(Logprobs(teacher, batch.Inputs, batch.Targets, batch.AttentionMask), null) };
    }

    public IEnumerable<TrainingBatch> Validation(long? maxTokens) => data.Validation(maxTokens);

    public double? ValidationCharactersPerToken => data.ValidationCharactersPerToken;

    /// <summary>The teacher's log-probabilities (N, V) at the trained positions of a batch.</summary>
    internal static Tensor Logprobs(LlamaForCausalLM teacher, Tensor inputs, Tensor targets, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        teacher.eval();
        var logits = teacher.forward(inputs, attentionMask: attentionMask);
        var flat = logits.view(-1, logits.shape[^1]).index_select(0, TeacherTargets.Positions(targets));
        return F.log_softmax(flat.to_type(ScalarType.Float32), -1).MoveToOuterDisposeScope();
    }
}
