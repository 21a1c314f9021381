using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Strata.Training.Distillation;

/// <summary>Which way the student is pulled towards the teacher.</summary>
public enum Divergence
{
    /// <summary>KL(teacher ‖ student) (Hinton et al.): the student covers every token the teacher gives mass to.</summary>
    Forward,

    /// <summary>KL(student ‖ teacher) (MiniLLM): the student concentrates on the teacher's modes and avoids what it thinks unlikely.</summary>
    Reverse,
}

/// <summary>
/// Token-level distillation losses over the trained positions (N of them, flattened): the teacher's and the student's
/// distributions softened by a temperature τ, the divergence scaled by τ² so that its gradients keep the size of the
/// hard-label loss's as τ changes (Hinton et al. 2015), and averaged over positions.
/// </summary>
public static class DistillationLoss
{
    /// <summary>τ²·mean KL(p_T ‖ p_S) with the teacher's whole distribution: log-probabilities or logits (N, V), both work.</summary>
    public static Tensor Forward(Tensor student, Tensor teacher, double temperature)
    {
        using var scope = NewDisposeScope();
        return Kl(Soften(teacher, temperature), Soften(student, temperature), temperature).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The forward divergence against a teacher kept as its top k tokens per position: <paramref name="ids"/> (N, k) and
    /// the teacher's log-probabilities there (N, k). The teacher is renormalised over its k tokens (the mass beyond
    /// them is not kept); the student keeps its whole softmax, so the loss is KL(p̃_T ‖ p_S|k) − log p_S(k), zero only
    /// when the student puts all its mass on the teacher's k tokens in the teacher's proportions. With k = V it equals
    /// <see cref="Forward"/>.
    /// </summary>
    public static Tensor ForwardTopK(Tensor student, Tensor ids, Tensor teacherLogprobs, double temperature)
    {
        using var scope = NewDisposeScope();
        return Kl(Soften(teacherLogprobs, temperature), Soften(student, temperature).gather(-1, ids), temperature).MoveToOuterDisposeScope();
    }

    /// <summary>τ²·mean KL(p_S ‖ p_T) with the teacher's whole distribution (N, V). A top-k teacher cannot give it: the
    /// student's mass outside the teacher's k tokens would have no teacher probability to compare with.</summary>
    public static Tensor Reverse(Tensor student, Tensor teacher, double temperature)
    {
        using var scope = NewDisposeScope();
        return Kl(Soften(student, temperature), Soften(teacher, temperature), temperature).MoveToOuterDisposeScope();
    }

    /// <summary>τ²·mean over positions of Σ p·(log p − log q), from log p and log q.</summary>
    private static Tensor Kl(Tensor logP, Tensor logQ, double temperature)
    {
        var perPosition = logP.exp().mul(logP.sub(logQ)).sum(-1);
        using var square = (temperature * temperature).ToScalar();
        return perPosition.mean().mul(square);
    }

    private static Tensor Soften(Tensor logits, double temperature)
    {
        using var inverse = (1.0 / temperature).ToScalar(); // held across the native call
        return F.log_softmax(logits.to_type(ScalarType.Float32).mul(inverse), -1);
    }

}
