using System.Text.Json.Serialization;
using Strata.Models;
using Strata.Training.Loop;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Training.Distillation;

/// <summary>
/// Token-level distillation settings (the <c>distill</c> section of a tuning config; <c>strata tune --teacher …</c>):
/// the student learns the teacher's next-token distributions at every trained position, mixed with the hard labels.
/// Teacher and student must share their tokenizer.
/// </summary>
public sealed record TokenDistillationConfig
{
    /// <summary>The teacher's model folder (same tokenizer as the student).</summary>
    [JsonPropertyName("teacher")] public string Teacher { get; init; } = "";

    /// <summary>Softens both distributions (τ); the divergence is multiplied by τ².</summary>
    [JsonPropertyName("temperature")] public double Temperature { get; init; } = 1.0;

    /// <summary>Weight of the distillation term; 1 − alpha goes to cross-entropy on the data's own answers.</summary>
    [JsonPropertyName("alpha")] public double Alpha { get; init; } = 0.5;

    [JsonPropertyName("divergence"), JsonConverter(typeof(JsonStringEnumConverter<Divergence>))]
    public Divergence Divergence { get; init; } = Divergence.Forward;

    /// <summary>
    /// Null: the teacher runs beside the student on every batch and gives its whole distribution. A number k: the teacher
    /// runs once over the training rows before training and its top k tokens per position are cached on disk
    /// (<c>OUT/teacher-topk-k</c>), so memory holds no teacher while the student trains.
    /// </summary>
    [JsonPropertyName("top_k")] public int? TopK { get; init; }

    /// <exception cref="ArgumentException">A setting out of range, named by its key and flag.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Teacher)) throw new ArgumentException("distill.teacher (--teacher) names no model");
        if (!Directory.Exists(Teacher)) throw new DirectoryNotFoundException($"{Teacher}: teacher model directory not found (--teacher)");
        if (!(Temperature > 0)) throw new ArgumentException($"distill.temperature (--kd-temperature) must be positive, not {Temperature}");
        if (Alpha is < 0 or > 1 || double.IsNaN(Alpha)) throw new ArgumentException($"distill.alpha (--kd-alpha) must be in [0, 1], not {Alpha}");
        if (TopK is int k && k < 1) throw new ArgumentException($"distill.top_k (--kd-top-k) must be at least 1, not {k}");
        if (TopK is not null && Divergence == Divergence.Reverse)
        {
            throw new ArgumentException("distill.divergence reverse needs the teacher's whole distribution: leave distill.top_k (--kd-top-k) unset so the teacher runs beside the student");
        }
    }
}

/// <summary>
/// The student's loss under token-level distillation: alpha · τ²·KL (forward or reverse, see <see cref="DistillationLoss"/>)
/// + (1 − alpha) · cross-entropy on the targets. Every training batch must carry <see cref="TrainingBatch.Teacher"/>.
/// </summary>
public sealed class DistillationObjective(TokenDistillationConfig config) : ITrainingObjective
{
    public Tensor Loss(Tensor logits, TrainingBatch batch)
    {
        var teacher = batch.Teacher ?? throw new InvalidOperationException("token-level distillation needs the teacher's targets in every batch");
        using var scope = NewDisposeScope();
        var flat = logits.view(-1, logits.shape[^1]);
        var targets = batch.Targets.view(-1);
        var hard = NextTokenLoss.Of(flat, targets);
        var student = flat.index_select(0, TeacherTargets.Positions(targets));
        if (student.shape[0] != teacher.Logprobs.shape[0])
        {
            throw new InvalidOperationException($"the teacher gave {teacher.Logprobs.shape[0]} positions for a batch with {student.shape[0]} trained ones");
        }
        var soft = teacher.Ids is { } ids ? DistillationLoss.ForwardTopK(student, ids, teacher.Logprobs, config.Temperature)
            : config.Divergence == Divergence.Reverse ? DistillationLoss.Reverse(student, teacher.Logprobs, config.Temperature)
            : DistillationLoss.Forward(student, teacher.Logprobs, config.Temperature);
        using var alpha = config.Alpha.ToScalar();
        using var rest = (1 - config.Alpha).ToScalar();
        return soft.mul(alpha).PlusInPlace(hard.mul(rest)).MoveToOuterDisposeScope();
    }
}
