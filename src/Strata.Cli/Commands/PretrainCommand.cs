using System.CommandLine;
using Strata.Models.Configuration;
using Strata.Training.Pretraining;

namespace Strata.Cli.Commands;

/// <summary><c>strata pretrain</c>: train a base model on text, from a JSON config and/or flags.</summary>
internal static class PretrainCommand
{
    public static Command Create(CliContext context)
    {
        var config = new Option<string?>("--config") { Description = "Run config (JSON); flags override its keys" };
        var input = new Option<string[]>("--input") { Description = "Text (.txt/.md) or JSONL ({\"text\":…}) files", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out") { Description = "Output directory (model, checkpoints, report)" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Existing tokenizer.json; default: train one on the inputs" };
        var vocabSize = new Option<int?>("--vocab-size") { Description = "Vocabulary of the tokenizer to train" };
        var preset = new Option<string?>("--preset") { Description = "Model shape: nano, tiny, small" };
        var layers = new Option<int?>("--layers");
        var hidden = new Option<int?>("--hidden-size");
        var heads = new Option<int?>("--heads");
        var intermediate = new Option<int?>("--intermediate-size");
        var alibi = new Option<bool>("--alibi") { Description = "ALiBi positions (runs beyond the training length)" };
        var contextLength = new Option<int?>("--context-length");
        var batch = new Option<int?>("--batch-size") { Description = "Sequences per micro-batch" };
        var accumulation = new Option<int?>("--grad-accum");
        var batchTokens = new Option<int?>("--batch-tokens") { Description = "Tokens per optimizer step (sets --grad-accum)" };
        var steps = new Option<int?>("--max-steps");
        var minutes = new Option<double?>("--max-minutes") { Description = "Stop (with a checkpoint) after this long" };
        var learningRate = new Option<double?>("--learning-rate");
        var evalInterval = new Option<int?>("--eval-interval");
        var checkpointInterval = new Option<int?>("--checkpoint-interval");
        var seed = new Option<long?>("--seed");
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest checkpoint in --out" };
        var command = new Command("pretrain", "Pretrain a base model on text")
        {
            config, input, output, tokenizer, vocabSize, preset, layers, hidden, heads, intermediate, alibi, contextLength, batch, accumulation, batchTokens, steps, minutes,
            learningRate, evalInterval, checkpointInterval, seed, resume,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var file = parse.GetValue(config) is string path ? PretrainConfig.Load(path) : new PretrainConfig();
            var training = file.Training;
            training = training with
            {
                ContextLength = parse.GetValue(contextLength) ?? training.ContextLength,
                BatchSize = parse.GetValue(batch) ?? training.BatchSize,
                GradientAccumulation = parse.GetValue(accumulation) ?? training.GradientAccumulation,
                BatchTokens = parse.GetValue(batchTokens) ?? training.BatchTokens,
                MaxSteps = parse.GetValue(steps) ?? training.MaxSteps,
                MaxMinutes = parse.GetValue(minutes) ?? training.MaxMinutes,
                LearningRate = parse.GetValue(learningRate) ?? training.LearningRate,
                EvalInterval = parse.GetValue(evalInterval) ?? training.EvalInterval,
                CheckpointInterval = parse.GetValue(checkpointInterval) ?? training.CheckpointInterval,
                Seed = parse.GetValue(seed) ?? training.Seed,
            };
            var model = file.Model with
            {
                Preset = parse.GetValue(preset) ?? file.Model.Preset,
                Layers = parse.GetValue(layers) ?? file.Model.Layers,
                HiddenSize = parse.GetValue(hidden) ?? file.Model.HiddenSize,
                Heads = parse.GetValue(heads) ?? file.Model.Heads,
                IntermediateSize = parse.GetValue(intermediate) ?? file.Model.IntermediateSize,
                PositionEncoding = parse.GetValue(alibi) ? PositionEncoding.Alibi : file.Model.PositionEncoding,
            };
            var resolved = file with
            {
                Inputs = parse.GetValue(input) is { Length: > 0 } inputs ? inputs : file.Inputs,
                Output = parse.GetValue(output) ?? file.Output,
                Tokenizer = parse.GetValue(tokenizer) ?? file.Tokenizer,
                VocabSize = parse.GetValue(vocabSize) ?? file.VocabSize,
                Model = model,
                Training = training,
            };
            var monitor = new ConsoleTrainingMonitor(context, training.LogInterval);
            var recipe = new PretrainRecipe(resolved, monitor, new Progress<string>(s => context.Error.WriteLine(s)));
            var outcome = monitor.Run("pretraining", training.MaxSteps, () => recipe.Run(parse.GetValue(resume), cancellationToken));
            var result = outcome.Result;
            context.Output.WriteLine(result.Completed
                ? $"Base model in {outcome.ModelDirectory}: validation loss {result.FinalValidationLoss:F4} nats/token"
                  + (result.BitsPerCharacter is double bpc ? $", {bpc:F3} bits/char" : "")
                  + $", {result.TokensPerSecond:F0} tokens/s" + (result.ModelFlopsUtilization is double mfu ? $", MFU {mfu:P0}" : "")
                : $"Stopped at step {result.State.Step}; continue with --resume. Checkpoints in {outcome.ModelDirectory}/checkpoints");
            context.Output.WriteLine($"Report: {Path.Combine(outcome.ModelDirectory, "report", "summary.md")}");
            return Task.FromResult(result.Completed ? 0 : 3);
        });
        return command;
    }
}
