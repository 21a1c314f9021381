using System.Text.Json.Serialization;

namespace Strata.Training.Loop;

/// <summary>
/// How to train: optimisation, batch, evaluation, checkpointing and the loss watchdog. Shared by
/// pretraining and tuning; JSON keys are snake_case and unknown keys are rejected.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer steps to run (each of <see cref="GradientAccumulation"/> micro-batches).</summary>
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = 2000;

    /// <summary>Stop early (with a checkpoint) after this much wall-clock time; null = no limit.</summary>
    [JsonPropertyName("max_minutes")] public double? MaxMinutes { get; init; }

    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 12;
    [JsonPropertyName("context_length")] public int ContextLength { get; init; } = 64;
    [JsonPropertyName("gradient_accumulation")] public int GradientAccumulation { get; init; } = 1;

    /// <summary>
    /// Tokens per optimizer step. When set, gradient accumulation is derived from it:
    /// ⌈batch_tokens / (batch_size · context_length)⌉ micro-batches per step.
    /// </summary>
    [JsonPropertyName("batch_tokens")] public int? BatchTokens { get; init; }

    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-3;
    [JsonPropertyName("min_learning_rate")] public double MinLearningRate { get; init; } = 1e-4;
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; } = 100;

    /// <summary>Applied to matrices only; norms, biases and (as in nanoGPT) nothing else is decayed.</summary>
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.1;
    [JsonPropertyName("beta1")] public double Beta1 { get; init; } = 0.9;
    [JsonPropertyName("beta2")] public double Beta2 { get; init; } = 0.99;
    [JsonPropertyName("grad_clip")] public double GradClip { get; init; } = 1.0;

    [JsonPropertyName("eval_interval")] public int EvalInterval { get; init; } = 250;

    /// <summary>Tokens of validation data per periodic evaluation (the final one covers all of it).</summary>
    [JsonPropertyName("eval_tokens")] public long EvalTokens { get; init; } = 16384;

    [JsonPropertyName("checkpoint_interval")] public int CheckpointInterval { get; init; } = 500;

    /// <summary>
    /// Export the weights of the periodic evaluation with the lowest validation loss rather than the last step's
    /// (Hugging Face Trainer's <c>load_best_model_at_end</c>; nanoGPT keeps only improving checkpoints): a small corpus
    /// trained for many epochs overfits, and the best model is then not the last.
    /// </summary>
    [JsonPropertyName("load_best_model_at_end")] public bool LoadBestModelAtEnd { get; init; }
    [JsonPropertyName("keep_checkpoints")] public int KeepCheckpoints { get; init; } = 3;
    [JsonPropertyName("log_interval")] public int LogInterval { get; init; } = 10;
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1337;

    /// <summary>A step whose loss is this many standard deviations above the recent mean is skipped.</summary>
    [JsonPropertyName("spike_z_score")] public double SpikeZScore { get; init; } = 6.0;
    [JsonPropertyName("spike_window")] public int SpikeWindow { get; init; } = 50;

    /// <summary>This many skipped steps in a row roll the run back to its last checkpoint.</summary>
    [JsonPropertyName("max_consecutive_spikes")] public int MaxConsecutiveSpikes { get; init; } = 3;

    /// <exception cref="ArgumentException">Names the offending key.</exception>
    public void Validate()
    {
        Require(MaxSteps > 0, "max_steps must be positive");
        Require(MaxMinutes is null or > 0, "max_minutes must be positive");
        Require(BatchSize > 0, "batch_size must be positive");
        Require(ContextLength > 1, "context_length must be at least 2");
        Require(GradientAccumulation > 0, "gradient_accumulation must be positive");
        Require(BatchTokens is null or > 0, "batch_tokens must be positive");
        Require(LearningRate > 0 && MinLearningRate >= 0 && MinLearningRate <= LearningRate,
            "need 0 <= min_learning_rate <= learning_rate and learning_rate > 0");
        Require(WarmupSteps >= 0, "warmup_steps must be >= 0");
        Require(WeightDecay >= 0, "weight_decay must be >= 0");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, "beta1 and beta2 must be in [0, 1)");
        Require(GradClip >= 0, "grad_clip must be >= 0 (0 disables)");
        Require(EvalInterval > 0 && CheckpointInterval > 0 && LogInterval > 0, "intervals must be positive");
        Require(KeepCheckpoints > 0, "keep_checkpoints must be positive");
        Require(SpikeWindow >= 5 && SpikeZScore > 0 && MaxConsecutiveSpikes > 0, "watchdog settings must be positive (spike_window >= 5)");

        static void Require(bool condition, string message)
        {
            if (!condition) throw new ArgumentException(message);
        }
    }

    /// <summary>These options with <see cref="BatchTokens"/> turned into a gradient-accumulation count.</summary>
    public TrainingOptions Resolved() => BatchTokens is int tokens
        ? this with { GradientAccumulation = Math.Max(1, (int)Math.Ceiling((double)tokens / ((long)BatchSize * ContextLength))) }
        : this;

    /// <summary>Tokens that pass through the model per optimizer step.</summary>
    [JsonIgnore] public long TokensPerStep => (long)BatchSize * ContextLength * GradientAccumulation;
}
