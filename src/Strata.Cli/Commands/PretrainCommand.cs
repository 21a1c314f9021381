using System.CommandLine;
using Strata.Models.Configuration;
using Strata.Training.Pretraining;

namespace Strata.Cli.Commands;

/// <summary><c>strata pretrain</c>: train a base model on text, from a JSON config and/or flags.</summary>
internal static class PretrainCommand
{
    public static Command Create(CliContext context)
    {
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
        var command = new Command("pretrain", "Pretrain a base model on text")
        {
            input, output, tokenizer, vocabSize, preset, layers, hidden, heads, intermediate, alibi,
        };
        var flags = new TrainingFlags();
        flags.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var file = parse.GetValue(flags.Config) is string path ? PretrainConfig.Load(path) : new PretrainConfig();
            var training = flags.Apply(parse, file.Training);
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
            var outcome = monitor.Run("pretraining", training.MaxSteps, () => recipe.Run(parse.GetValue(flags.Resume), cancellationToken));
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
