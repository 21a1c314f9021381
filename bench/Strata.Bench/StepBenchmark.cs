using System.Diagnostics;
using Strata.Models.Configuration;
using Strata.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Bench;

/// <summary>
/// One batched decode step (<see cref="LlamaForCausalLM.StepLogits"/>) with 1, 4 and 16 sequences on a
/// SmolLM2-135M-shaped model: the engine's cost per step without HTTP, queues or sampling.
/// </summary>
internal static class StepBenchmark
{
    public static void Run(Arguments args)
    {
        torch.set_num_threads(args.Int("--threads", Environment.ProcessorCount));
        int context = args.Int("--context", 96), steps = args.Int("--steps", 16);
        if (args.Value("--probe") == "linear") ProbeLinear();
        using var model = LlamaCheckpoint.Create(ModelPresets.SmolLM2_135M, seed: 1);
        model.eval();
        using var inference = inference_mode();
        // Both cache layouts in one run, so their ratio is measured under the same machine load: separate caches
        // take the per-sequence attention path, pooled ones attend in one call per layer.
        foreach (bool pooled in new[] { false, true })
        {
            foreach (int batch in new[] { 1, 4, 16 })
            {
                using var pool = model.NewCachePool(batch, context + steps + 1);
                var caches = Enumerable.Range(0, batch).Select(_ => pooled ? pool.Rent() : model.NewCache(context + steps + 1)).ToArray();
                var clock = Stopwatch.StartNew();
                foreach (var cache in caches)
                {
                    using var scope = NewDisposeScope();
                    model.StepLogits([new SequenceChunk(Enumerable.Range(1, context).ToArray(), cache)]);
                }
                double prefill = clock.Elapsed.TotalMilliseconds / batch;
                clock.Restart();
                for (int step = 0; step < steps; step++)
                {
                    using var scope = NewDisposeScope();
                    var logits = model.StepLogits(caches.Select(c => new SequenceChunk([step + 5], c)).ToArray()).cpu();
                }
                double perStep = clock.Elapsed.TotalMilliseconds / steps;
                Console.WriteLine($"{(pooled ? "pooled caches  " : "separate caches")} batch {batch,2}: {perStep:F1} ms per decode step, " +
                    $"{batch * 1000 / perStep:F1} tokens/s; prefill of {context} tokens {prefill:F1} ms");
                foreach (var cache in caches) cache.Dispose();
            }
        }
    }

    /// <summary>The MLP's projections alone at 1, 4 and 16 rows: how matmul cost grows with the batch.</summary>
    private static void ProbeLinear()
    {
        using var inference = inference_mode();
        var up = randn(1536, 576);
        var down = randn(576, 1536);
        foreach (int rows in new[] { 1, 2, 4, 8, 16 })
        {
            var x = randn(1, rows, 576);
            for (int i = 0; i < 20; i++) nn.functional.linear(nn.functional.linear(x, up), down).Dispose();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 200; i++) nn.functional.linear(nn.functional.linear(x, up), down).Dispose();
            Console.WriteLine($"linear 576→1536→576, {rows,2} rows: {clock.Elapsed.TotalMicroseconds / 200:F0} µs");
        }
    }
}
