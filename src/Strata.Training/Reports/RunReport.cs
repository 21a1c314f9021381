using System.Text.Json.Nodes;

namespace Strata.Training.Reports;

/// <summary>One point of a loss curve: the mean loss (nats/token) at an optimizer step.</summary>
public sealed record LossPoint(long Step, long TokensSeen, double Loss);

/// <summary>A prompt and what the model wrote after it, sampled during or after training.</summary>
public sealed record SampleGeneration(string Prompt, string Completion);

/// <summary>Something notable that happened during a run; <see cref="Kind"/> is e.g. "skip", "rollback", "checkpoint", "resume".</summary>
public sealed record TrainingEvent(long Step, string Kind, string Message);

/// <summary>The training stages a report can describe.</summary>
public static class ReportStages
{
    public const string Pretrain = "pretrain";
    public const string Command = "command";
    public const string Dialogue = "dialogue";

    public static IReadOnlyList<string> All { get; } = [Pretrain, Command, Dialogue];

    public static bool IsKnown(string? stage) => stage is Pretrain or Command or Dialogue;
}

/// <summary>
/// Everything a finished (or interrupted) training run reports: curves, headline figures, samples and events.
/// Serialized to summary.json with snake_case names by <see cref="ReportJson"/>.
/// </summary>
public sealed record RunReport
{
    public required string Title { get; init; }

    /// <summary>One of <see cref="ReportStages.All"/>: "pretrain", "command" or "dialogue".</summary>
    public required string Stage { get; init; }

    /// <summary>The fully resolved training configuration, as written to the run directory; null if unknown.</summary>
    public JsonNode? ResolvedConfig { get; init; }

    public IReadOnlyList<LossPoint> TrainLoss { get; init; } = [];
    public IReadOnlyList<LossPoint> ValidationLoss { get; init; } = [];
    public long TokensSeen { get; init; }
    public TimeSpan Elapsed { get; init; }
    public double TokensPerSecond { get; init; }

    /// <summary>Model FLOPs utilization as a fraction in [0, 1]; null where the device peak is unknown.</summary>
    public double? ModelFlopsUtilization { get; init; }

    public double? BestValidationLoss { get; init; }
    public double? ValidationBitsPerCharacter { get; init; }
    public IReadOnlyList<SampleGeneration> Samples { get; init; } = [];
    public IReadOnlyList<TrainingEvent> Events { get; init; } = [];

    /// <summary>Extra named figures, e.g. "exact_match"; keys are written as given.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
}
