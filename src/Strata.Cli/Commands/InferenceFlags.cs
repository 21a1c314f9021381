using System.CommandLine;
using Strata.Models.Inference;
using Strata.Models.Native;

namespace Strata.Cli.Commands;

/// <summary><c>--backend</c>, <c>--threads</c> and <c>--kv-cache</c>: the same load options on every command that runs a model.</summary>
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

    private readonly Option<KvCacheType> kvCache = new("--kv-cache")
    {
        Description = "Storage of the native runtime's K/V cache: f32, or f16 (half the memory and traffic on long contexts)",
        DefaultValueFactory = _ => KvCacheType.F32,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(backend);
        command.Options.Add(threads);
        command.Options.Add(kvCache);
    }

    /// <exception cref="ArgumentException">--threads below 1.</exception>
    public InferenceOptions Read(ParseResult parse)
    {
        int? count = parse.GetValue(threads);
        if (count is < 1) throw new ArgumentException($"--threads must be at least 1 (got {count})");
        return new InferenceOptions { Backend = parse.GetValue(backend), Threads = count, KvCache = parse.GetValue(kvCache) };
    }
}
