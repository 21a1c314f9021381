using System.Diagnostics;
using Strata.Models.Configuration;
using Strata.Models.Generation;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Loading;
using Strata.Models.Native;
using Strata.Models.Tokenization;

namespace Strata.Bench;

/// <summary>
/// Prefill and decode tokens/s of one backend on one model file: a 512-token prompt, then batch-1 decode, then
/// batched decode of 4 and 16 sequences (one step advances all of them: aggregate tokens/s). The model is a folder or
/// a GGUF file given with --model; without one, a SmolLM2-135M-shaped checkpoint with random F32 weights is made once
/// under the temp folder. Medians of several runs after a warm-up. Compare with llama.cpp's llama-bench on the same
/// file, same machine, same sitting (docs/performance.md).
/// </summary>
internal static class InferenceBenchmark
{
    public static void Run(Arguments args)
    {
        int runs = args.Int("--runs", 5), promptLength = args.Int("--prompt", 512), decodeLength = args.Int("--decode", 64);
        var batches = (args.Value("--batch") ?? "1,4,16").Split(',').Select(int.Parse).ToArray();
        var kind = Enum.Parse<BackendKind>(args.Value("--backend") ?? "native", ignoreCase: true);
        int threads = args.Int("--threads", Environment.ProcessorCount);
        // libtorch is loaded only for the torch backend: its libraries would otherwise count in the native runtime's memory.
        if (kind == BackendKind.Torch) TorchSharp.torch.set_num_threads(threads);
        string path = args.Value("--model") ?? RandomSmolLm2();

        ProcessMemory.ResetPeak();
        var package = ModelPackage.Open(path);
        long beforeWeights = ProcessMemory.CurrentBytes();
        using var backend = package.LoadBackend(new InferenceOptions { Backend = kind, Threads = threads });
        long weightsResident = ProcessMemory.CurrentBytes() - beforeWeights;
        string weights = backend is NativeBackend native ? $"{native.WeightTypes}, {native.WeightBytes / 1048576.0:F0} MiB of matrices, {NativeBackend.InstructionSets}" : "fp32";
        Console.WriteLine($"{Path.GetFileName(path)}: {backend.Name} backend ({weights}), {threads} threads, prompt {promptLength}, decode {decodeLength}, {runs} runs (+1 warm-up)");
        var random = new Random(1);
        int vocabulary = Math.Min(package.Tokenizer.VocabularySize, backend.VocabularySize);
        int[] prompt = Enumerable.Range(0, promptLength).Select(_ => random.Next(vocabulary)).ToArray();

        var prefill = new List<double>();
        var decode = new List<double>();
        var logits = new float[batches.Max() * backend.VocabularySize];
        WarmUp(backend, prompt, logits);
        for (int run = 0; run <= runs; run++)
        {
            using var pool = backend.NewCachePool(1);
            using var cache = pool.Rent();
            NativeProfile.Reset();
            var clock = Stopwatch.StartNew();
            backend.Step([new SequenceStep(prompt, cache)], logits);
            double prefillSeconds = clock.Elapsed.TotalSeconds;
            if (run == 1 && NativeProfile.Enabled) Console.WriteLine($"prefill profile: {NativeProfile.Report()}");
            NativeProfile.Reset();
            using var decodePool = backend.NewCachePool(1);
            using var decodeCache = decodePool.Rent();
            int next = prompt[0];
            clock.Restart();
            // As llama-bench's tg test: generation from an empty context.
            for (int i = 0; i < decodeLength; i++)
            {
                backend.Step([new SequenceStep([next], decodeCache)], logits);
                next = Sampler.ArgMax(logits.AsSpan(0, backend.VocabularySize));
            }
            double decodeSeconds = clock.Elapsed.TotalSeconds;
            if (run == 0) continue;
            prefill.Add(promptLength / prefillSeconds);
            decode.Add(decodeLength / decodeSeconds);
            Console.WriteLine($"  run {run}: prefill {prefill[^1],8:F1} tok/s   decode {decode[^1],6:F1} tok/s");
        }
        if (NativeProfile.Enabled) Console.WriteLine($"profile (all runs): {NativeProfile.Report()}");
        double decodeMedian = Arguments.Median(decode);
        string bandwidth = backend is NativeBackend n ? $", {n.WeightBytes * decodeMedian / 1e9:F1} GB/s of weights" : "";
        Console.WriteLine($"median: prefill {Arguments.Median(prefill):F1} tokens/s, decode {decodeMedian:F1} tokens/s{bandwidth}");

        foreach (int batch in batches.Where(b => b > 1))
        {
            var rates = new List<double>();
            for (int run = 0; run <= runs; run++)
            {
                using var pool = backend.NewCachePool(batch);
                var caches = Enumerable.Range(0, batch).Select(_ => pool.Rent()).ToArray();
                var next = Enumerable.Range(0, batch).Select(i => prompt[i]).ToArray();
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < decodeLength; i++)
                {
                    backend.Step(caches.Select((c, s) => new SequenceStep([next[s]], c)).ToArray(), logits);
                    for (int s = 0; s < batch; s++) next[s] = Sampler.ArgMax(logits.AsSpan(s * backend.VocabularySize, backend.VocabularySize));
                }
                double seconds = clock.Elapsed.TotalSeconds;
                foreach (var c in caches) c.Dispose();
                if (run > 0) rates.Add(batch * decodeLength / seconds);
                if (run == 0) NativeProfile.Reset();
            }
            if (NativeProfile.Enabled) Console.WriteLine($"decode x{batch} profile: {NativeProfile.Report()}");
            Console.WriteLine($"decode x{batch}: {Arguments.Median(rates):F1} tokens/s aggregate");
        }
        long fileBytes = File.Exists(path) ? new FileInfo(path).Length : Directory.EnumerateFiles(path, "*.safetensors").Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"resident memory: weights {weightsResident / 1048576.0:F0} MiB ({(double)weightsResident / fileBytes:F2}x the {fileBytes / 1048576.0:F0} MiB on disk), " +
            $"process peak {ProcessMemory.PeakBytes() / 1048576.0:F0} MiB (runtime, tokenizer, caches and activations included)");
    }

    /// <summary>
    /// Decodes for a second before anything is measured: .NET compiles a method fully optimized only after it has run a
    /// while (tiered compilation), and a tiny model's five runs finish before that, so it would be timed half-compiled
    /// (a 0.4M-parameter model measured 3,100 tokens/s after one warm-up run and 17,400 after a second of them).
    /// </summary>
    private static void WarmUp(IInferenceBackend backend, int[] prompt, float[] logits)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 1)
        {
            using var pool = backend.NewCachePool(1);
            using var cache = pool.Rent();
            backend.Step([new SequenceStep(prompt.AsSpan(0, Math.Min(8, prompt.Length)).ToArray(), cache)], logits);
            int next = prompt[0];
            for (int i = 0; i < 32; i++)
            {
                backend.Step([new SequenceStep([next], cache)], logits);
                next = Sampler.ArgMax(logits.AsSpan(0, backend.VocabularySize));
            }
        }
    }

    /// <summary>A SmolLM2-135M-shaped folder with random F32 weights (made once; the tokenizer only fills the folder).</summary>
    private static string RandomSmolLm2()
    {
        string directory = Path.Combine(Path.GetTempPath(), "strata-bench", "smollm2-135m-random-f32");
        if (File.Exists(Path.Combine(directory, "model.safetensors"))) return directory;
        Console.WriteLine($"writing {directory}");
        using var model = LlamaCheckpoint.Create(ModelPresets.SmolLM2_135M, seed: 1);
        LlamaCheckpoint.Save(model, directory);
        BundledTokenizer.SaveTo(Path.Combine(directory, "tokenizer.json"));
        return directory;
    }
}
