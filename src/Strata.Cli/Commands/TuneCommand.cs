using System.CommandLine;
using Strata.Training.Tuning;

namespace Strata.Cli.Commands;

/// <summary><c>strata tune</c>: instruction (command) or conversation (dialogue) tuning of a model.</summary>
internal static class TuneCommand
{
    public static Command Create(CliContext context)
    {
        var stage = new Option<TuneStage?>("--stage") { Description = "command (single-turn) or dialogue (multi-turn)" };
        var model = new Option<string?>("--model") { Description = "Model to start from (base for command, command for dialogue)" };
        var data = new Option<string[]>("--data") { Description = "Conversations: JSONL (messages / Alpaca / ShareGPT) or a JSON array", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out") { Description = "Output directory" };
        var noPack = new Option<bool>("--no-pack") { Description = "One conversation per row instead of packing" };
        var command = new Command("tune", "Tune a model on instructions or conversations")
        {
            stage, model, data, output, noPack,
        };
        var flags = new TrainingFlags();
        flags.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var file = parse.GetValue(flags.Config) is string path ? TuneConfig.Load(path) : new TuneConfig();
            var training = flags.Apply(parse, file.Training);
            var resolved = file with
            {
                Stage = parse.GetValue(stage) ?? file.Stage,
                Model = parse.GetValue(model) ?? file.Model,
                Inputs = parse.GetValue(data) is { Length: > 0 } inputs ? inputs : file.Inputs,
                Output = parse.GetValue(output) ?? file.Output,
                Pack = !parse.GetValue(noPack) && file.Pack,
                Training = training,
            };
            var monitor = new ConsoleTrainingMonitor(context, training.LogInterval);
            var recipe = new TuneRecipe(resolved, monitor, new Progress<string>(s => context.Error.WriteLine(s)));
            var outcome = monitor.Run($"{resolved.Stage.ToString().ToLowerInvariant()} tuning", training.MaxSteps,
                () => recipe.Run(parse.GetValue(flags.Resume), cancellationToken));
            var result = outcome.Result;
            context.Output.WriteLine(result.Completed
                ? $"{resolved.Stage} model in {outcome.ModelDirectory}: held-out loss {result.FinalValidationLoss:F4} nats/token on assistant tokens"
                  + $" ({outcome.TrainRows} packed rows, {outcome.TruncatedExamples} truncated conversations)"
                : $"Stopped at step {result.State.Step}; continue with --resume.");
            context.Output.WriteLine($"Report: {Path.Combine(outcome.ModelDirectory, "report", "summary.md")}");
            return Task.FromResult(result.Completed ? 0 : 3);
        });
        return command;
    }
}
