using System.CommandLine;
using Spectre.Console;
using Strata.Training.Quickstart;

namespace Strata.Cli.Commands;

/// <summary><c>strata quickstart</c>: the whole stack on the bundled corpus, with a number per layer.</summary>
internal static class QuickstartCommand
{
    public static Command Create(CliContext context)
    {
        var minutes = new Option<double>("--minutes") { Description = "Total training time (default 10)", DefaultValueFactory = _ => 10 };
        var output = new Option<string>("--out") { Description = "Where the models go", DefaultValueFactory = _ => Path.Combine("models", "quickstart") };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1337 };
        var command = new Command("quickstart", "Tokenizer → base → command → dialogue models on bundled data, measured layer by layer")
        {
            minutes, output, seed,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new QuickstartOptions { Minutes = parse.GetValue(minutes), Output = parse.GetValue(output)!, Seed = parse.GetValue(seed) };
            Run(context, options, cancellationToken);
            context.Output.WriteLine($"Try the dialogue model: strata generate --chat --model {Path.Combine(options.Output, "dialogue")} --prompt \"Say it twice: crown\"");
            context.Output.WriteLine("or serve it with its playground and APIs: strata serve");
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Trains the three quickstart models into <see cref="QuickstartOptions.Output"/> and prints their measures.</summary>
    public static void Run(CliContext context, QuickstartOptions options, CancellationToken cancellationToken)
    {
        var monitor = new ConsoleTrainingMonitor(context, 50);
        var recipe = new QuickstartRecipe(options, monitor, new Progress<string>(s => context.Error.WriteLine(s)));
        var layers = recipe.Run(cancellationToken);

        var table = new Table().AddColumn("layer").AddColumn("model").AddColumn("measure").AddColumn("layer below").AddColumn("this layer").AddColumn("validation loss");
        foreach (var layer in layers)
        {
            bool fraction = layer.Measure.Contains("exact match", StringComparison.Ordinal);
            string Format(double v) => double.IsNaN(v) ? "-" : fraction ? v.ToString("P0") : v.ToString("F3");
            table.AddRow(layer.Name, Markup.Escape(layer.Directory), layer.Measure, Format(layer.Before), Format(layer.After),
                layer.ValidationLoss is double loss ? loss.ToString("F3") : "-");
        }
        context.Console.Write(table);
        foreach (var layer in layers)
        {
            context.Output.WriteLine($"--- {layer.Name} samples ---");
            foreach (var (prompt, text) in layer.Samples) context.Output.WriteLine($"{prompt.Trim()}\n  → {text.Trim()}");
        }
        if (recipe.ToolUse is { } tools)
        {
            var tool = new Table().AddColumn("tool use (dialogue model)").AddColumn("right tool").AddColumn("valid arguments").AddColumn("right arguments")
                .AddColumn("answer is the result").AddColumn("right final answer");
            foreach (var mode in tools.Modes)
            {
                string Share(int n) => mode.Total == 0 ? "-" : ((double)n / mode.Total).ToString("P0");
                tool.AddRow($"{mode.Mode} ({mode.Total} held-out tasks)", Share(mode.RightTool), Share(mode.ValidArguments), Share(mode.RightArguments),
                    Share(mode.CopiedResult), Share(mode.RightAnswer));
            }
            context.Console.Write(tool);
            context.Output.WriteLine($"--- tool use samples (tools: {Path.Combine(options.Output, "tools.json")}) ---");
            foreach (var (question, reply, answer) in tools.Modes[0].Samples.Take(4)) context.Output.WriteLine($"{question}\n  → {reply.Trim()}\n  → {answer}");
        }
    }
}
