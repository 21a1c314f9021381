using System.CommandLine;
using Strata.Models.Inference;

namespace Strata.Cli.Commands;

/// <summary><c>--backend auto|torch|native</c>, the same option on every command that runs a model.</summary>
internal static class BackendOption
{
    public static Option<BackendKind> Create() => new("--backend")
    {
        Description = "Runtime: auto (native on CPU where it can run the model), torch, or native",
        DefaultValueFactory = _ => BackendKind.Auto,
    };
}
