using System.Text.Json.Serialization;
using Strata.Training.Reports;

namespace Strata.Training.Loop;

/// <summary>Everything besides weights and optimizer moments that an exact resume needs; saved as trainer_state.json.</summary>
public sealed record TrainerState
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;

    /// <summary>Optimizer steps applied (or skipped) so far; the next step has this index.</summary>
    [JsonPropertyName("step")] public int Step { get; init; }

    /// <summary>The next micro-batch index: the data position. Moves past skipped batches on rollback.</summary>
    [JsonPropertyName("batch_index")] public long BatchIndex { get; init; }

    [JsonPropertyName("tokens_seen")] public long TokensSeen { get; init; }
    [JsonPropertyName("elapsed_seconds")] public double ElapsedSeconds { get; init; }
    [JsonPropertyName("best_validation_loss")] public double? BestValidationLoss { get; init; }

    /// <summary>The step whose weights scored <see cref="BestValidationLoss"/> (kept in checkpoints/best when the run keeps its best model).</summary>
    [JsonPropertyName("best_step")] public int? BestStep { get; init; }
    [JsonPropertyName("watchdog_window")] public IReadOnlyList<double> WatchdogWindow { get; init; } = [];
    [JsonPropertyName("train_loss")] public IReadOnlyList<LossPoint> TrainLoss { get; init; } = [];
    [JsonPropertyName("validation_loss")] public IReadOnlyList<LossPoint> ValidationLoss { get; init; } = [];
    [JsonPropertyName("events")] public IReadOnlyList<TrainingEvent> Events { get; init; } = [];
}
