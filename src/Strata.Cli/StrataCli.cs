using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Strata.Cli.Commands;

namespace Strata.Cli;

/// <summary>The <c>strata</c> command. Runs in-process for tests with any pair of writers.</summary>
public static class StrataCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors", Recursive = true };
        var context = new CliContext(output, error, verbose);
        var root = CreateRoot(context);
        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return context.Fail(e, parse.GetValue(verbose));
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("cancelled");
            return 130;
        }
    }

    /// <summary>The command tree, with every command writing through <paramref name="context"/> (tests walk it).</summary>
    public static RootCommand CreateRoot(CliContext context) => new("Strata: a private language-model stack for .NET")
    {
        context.Verbose,
        InitCommand.Create(context),
        InspectCommand.Create(context),
        DistillCommand.Create(context),
        MergeCommand.Create(context),
        QuantizeCommand.Create(context),
        GenerateCommand.Create(context),
        ScoreCommand.Create(context),
        EvalCommand.Create(context),
        ArenaCommand.Create(context),
        TokenizeCommand.Create(context),
        TokenizerCommand.Create(context),
        PretrainCommand.Create(context),
        TuneCommand.Create(context),
        QuickstartCommand.Create(context),
        KeysCommand.Create(context),
        DocsCommand.Create(context),
        ServeCommand.Create(context),
        DataCommand.Create(context),
    };
}

/// <summary>What every command shares: its writers, a Spectre console on them, and error reporting.</summary>
public sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, Option<bool> verbose)
    {
        Output = output;
        Error = error;
        Verbose = verbose;
        bool interactive = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }

    public TextWriter Output { get; }
    public TextWriter Error { get; }
    public Option<bool> Verbose { get; }
    public IAnsiConsole Console { get; }

    /// <summary>
    /// Every <c>--json</c> output: snake_case keys (<c>tokens</c>, <c>id</c>, <c>logprob</c>), as Hugging Face's and
    /// OpenAI's JSON have them, so scripts that read those read Strata's without a renaming table.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Expected failures (bad files, bad arguments) print one line; anything else says how to see more.</summary>
    public int Fail(Exception e, bool verbose)
    {
        bool expected = e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException
            or ArgumentException or JsonException or KeyNotFoundException or IOException or NotSupportedException;
        Error.WriteLine($"error: {e.Message}");
        if (verbose) Error.WriteLine(e.ToString());
        else if (!expected) Error.WriteLine("(run with --verbose for details)");
        return expected ? 1 : 2;
    }
}
