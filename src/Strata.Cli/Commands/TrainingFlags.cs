using System.CommandLine;
using Strata.Training.Loop;

namespace Strata.Cli.Commands;

/// <summary>The flags <c>pretrain</c> and <c>tune</c> share: each overrides one key of the run config's <c>training</c> block.</summary>
internal sealed class TrainingFlags
{
    public Option<string?> Config { get; } = new("--config") { Description = "Run config (JSON); flags override its keys" };
    public Option<bool> Resume { get; } = new("--resume") { Description = "Continue from the newest checkpoint in --out" };
    private readonly Option<int?> contextLength = new("--context-length");
    private readonly Option<int?> batchSize = new("--batch-size") { Description = "Sequences per micro-batch" };
    private readonly Option<int?> accumulation = new("--grad-accum");
    private readonly Option<int?> batchTokens = new("--batch-tokens") { Description = "Tokens per optimizer step (sets --grad-accum)" };
    private readonly Option<int?> maxSteps = new("--max-steps");
    private readonly Option<double?> maxMinutes = new("--max-minutes") { Description = "Stop (with a checkpoint) after this long" };
    private readonly Option<double?> learningRate = new("--learning-rate");
    private readonly Option<int?> evalInterval = new("--eval-interval");
    private readonly Option<int?> checkpointInterval = new("--checkpoint-interval");
    private readonly Option<long?> seed = new("--seed");
    private readonly Option<bool> loadBest = new("--load-best-model-at-end") { Description = "Export the weights of the evaluation with the lowest validation loss, not the last step's" };

    public void AddTo(Command command)
    {
        Option[] all = [Config, Resume, contextLength, batchSize, accumulation, batchTokens, maxSteps, maxMinutes, learningRate,
            evalInterval, checkpointInterval, seed, loadBest];
        foreach (var option in all) command.Add(option);
    }

    /// <summary><paramref name="options"/> with every flag that was given applied.</summary>
    public TrainingOptions Apply(ParseResult parse, TrainingOptions options) => options with
    {
        ContextLength = parse.GetValue(contextLength) ?? options.ContextLength,
        BatchSize = parse.GetValue(batchSize) ?? options.BatchSize,
        GradientAccumulation = parse.GetValue(accumulation) ?? options.GradientAccumulation,
        BatchTokens = parse.GetValue(batchTokens) ?? options.BatchTokens,
        MaxSteps = parse.GetValue(maxSteps) ?? options.MaxSteps,
        MaxMinutes = parse.GetValue(maxMinutes) ?? options.MaxMinutes,
        LearningRate = parse.GetValue(learningRate) ?? options.LearningRate,
        EvalInterval = parse.GetValue(evalInterval) ?? options.EvalInterval,
        CheckpointInterval = parse.GetValue(checkpointInterval) ?? options.CheckpointInterval,
        Seed = parse.GetValue(seed) ?? options.Seed,
        LoadBestModelAtEnd = parse.GetValue(loadBest) || options.LoadBestModelAtEnd,
    };
}
