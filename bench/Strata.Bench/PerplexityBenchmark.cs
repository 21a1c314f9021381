using System.Diagnostics;
using Strata.Models.Inference;
using Strata.Models.Loading;

namespace Strata.Bench;

/// <summary>
/// Perplexity of several model files on one held-out text with llama-perplexity's method (non-overlapping windows,
/// second half scored), so quantized files can be compared with their F32 source and with llama.cpp's own figures:
///   perplexity --text FILE --context 256 --model A.gguf --model B.gguf …
/// </summary>
internal static class PerplexityBenchmark
{
    public static void Run(Arguments args)
    {
        string text = File.ReadAllText(args.Required("--text"));
        int context = args.Int("--context", 256);
        double? baseline = null;
        foreach (string model in args.All("--model"))
        {
            var package = ModelPackage.Open(model);
            using var backend = package.LoadBackend();
            var tokens = package.Tokenizer.Encode(text, addBos: false, parseSpecialTokens: false);
            var clock = Stopwatch.StartNew();
            var result = Perplexity.Compute(backend, tokens, context, package.AddsBos ? package.BosTokenId : null);
            baseline ??= result.Value;
            Console.WriteLine($"{Path.GetFileName(model)}: perplexity {result.Value:F4} over {result.ScoredTokens} tokens ({result.Chunks} windows of {context}), " +
                $"{100 * (result.Value / baseline.Value - 1):+0.00;-0.00}% vs the first, {clock.Elapsed.TotalSeconds:F0} s");
        }
    }
}
