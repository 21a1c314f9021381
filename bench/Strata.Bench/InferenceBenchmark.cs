using System.Diagnostics;
using Strata.Models.Configuration;
using Strata.Models.Generation;
using Strata.Models.Inference;
using Strata.Models.Llama;
using TorchSharp;

namespace Strata.Bench;

/// <summary>
/// Prefill and decode tokens/s of the TorchSharp forward pass for a SmolLM2-135M-shaped model (random
/// weights, fp32): the median of several runs after a warm-up. Compare with llama.cpp's llama-bench on the
/// same machine in the same sitting (docs/performance.md).
/// </summary>
internal static class InferenceBenchmark
{
    public static void Run(Arguments args)
    {
        int runs = args.Int("--runs", 5), promptLength = args.Int("--prompt", 512), decodeLength = args.Int("--decode", 64);
        int threads = args.Int("--threads", Environment.ProcessorCount);
        torch.set_num_threads(threads);

        var config = ModelPresets.SmolLM2_135M;
        using var model = LlamaCheckpoint.Create(config, seed: 1);
        model.eval();
        var languageModel = TorchBackend.LanguageModel(model);
        var random = new Random(1);
        int[] prompt = Enumerable.Range(0, promptLength).Select(_ => random.Next(config.VocabSize)).ToArray();

        Console.WriteLine($"SmolLM2-135M shape, fp32, {threads} threads, prompt {promptLength}, decode {decodeLength}, {runs} runs (+1 warm-up)");
        var prefill = new List<double>();
        var decode = new List<double>();
        for (int run = 0; run <= runs; run++)
        {
            using var session = languageModel.OpenSession();
            var clock = Stopwatch.StartNew();
            float[] logits = session.Append(prompt);
            double prefillSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            for (int i = 0; i < decodeLength; i++) logits = session.Append([Sampler.ArgMax(logits)]);
            double decodeSeconds = clock.Elapsed.TotalSeconds;
            if (run == 0) continue; // warm-up: allocator and kernel caches
            prefill.Add(promptLength / prefillSeconds);
            decode.Add(decodeLength / decodeSeconds);
            Console.WriteLine($"  run {run}: prefill {prefill[^1],8:F1} tok/s   decode {decode[^1],6:F1} tok/s");
        }
        Console.WriteLine($"median: prefill {Arguments.Median(prefill):F1} tokens/s, decode {Arguments.Median(decode):F1} tokens/s");
    }
}
