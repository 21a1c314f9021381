using System.CommandLine;
using Strata.Models.Inference;

namespace Strata.Cli.Commands;

/// <summary><c>--backend auto|torch|native</c> and <c>--threads N</c>, the same options on every command that runs a model.</summary>
internal sealed class InferenceFlags
{
    private readonly Option<BackendKind> backend = new("--backend")
    {
        Description = "Runtime: auto (the native CPU runtime), torch (TorchSharp; Hugging Face folders only), or native",
        DefaultValueFactory = _ => BackendKind.Auto,
    };

    private readonly Option<int?> threads = new("--threads")
    {
        Description = "Threads of the native runtime (default: every core)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(backend);
        command.Options.Add(threads);
    }

    /// <exception cref="ArgumentException">--threads below 1.</exception>
    public InferenceOptions Read(ParseResult parse)
    {
        int? count = parse.GetValue(threads);
        if (count is < 1) throw new ArgumentException($"--threads must be at least 1 (got {count})");
        return new InferenceOptions { Backend = parse.GetValue(backend), Threads = count };
    }
}
