using System.Diagnostics;
using Strata.Models.Generation;
using Strata.Models.Generation.Constraints;
using Strata.Models.Loading;

namespace Strata.Bench;

/// <summary>
/// What constrained decoding costs: single-stream decode tokens/s of the same model and prompt with and without a JSON
/// constraint, runs alternating, plus the constraint's own time per token (building the mask over the whole
/// vocabulary). A model with random weights chooses tokens adversarially, so the constraint is exercised at every step.
/// With <c>--schema</c> the constraint is that JSON Schema's grammar instead of any JSON.
/// With <c>--streams N</c> the same comparison runs again through the server's batching engine, N streams at once
/// (aggregate tokens/s), constrained and free rounds alternating.
///   constrained --model FILE.gguf|DIR [--runs 5] [--tokens 64] [--schema FILE.json] [--streams 16]
/// </summary>
internal static class ConstrainedDecodingBenchmark
{
    public static async Task RunAsync(Arguments args)
    {
        string path = args.Value("--model") ?? throw new ArgumentException("--model is required (e.g. a SmolLM2-135M-shaped GGUF: a real 49,152-token vocabulary)");
        int runs = args.Int("--runs", 5), tokens = args.Int("--tokens", 64);
        var package = ModelPackage.Open(path);
        using var backend = package.LoadBackend();
        var generator = new TextGenerator(package.LanguageModel(backend), package.Tokenizer);
        var prompt = package.Tokenizer.Encode("Describe the weather in Paris as a JSON object:");
        Console.WriteLine($"{Path.GetFileName(path)}: vocabulary {package.Tokenizer.VocabularySize}, trie of {TokenTrie.For(package.Tokenizer).Nodes:N0} nodes, {tokens} tokens per run");

        var free = new SamplingOptions { Temperature = 1.0, MaxTokens = tokens, StopAtEndOfSequence = false };
        ITokenConstraint constraint = args.Value("--schema") is string schemaFile
            ? JsonSchemaGrammar.Constraint(System.Text.Json.JsonDocument.Parse(File.ReadAllText(schemaFile)).RootElement)
            : JsonConstraint.AnyValue;
        var json = free with { Constraint = constraint };
        await generator.GenerateAsync(prompt, free with { Seed = 0 });     // warm-up: JIT, caches, the trie
        await generator.GenerateAsync(prompt, json with { Seed = 0 });
        var rates = new Dictionary<string, List<double>> { ["free"] = [], ["json"] = [] };
        for (int run = 0; run < runs; run++)
        {
            foreach (var (name, options) in new[] { ("free", free), ("json", json) })
            {
                var clock = Stopwatch.StartNew();
                var result = await generator.GenerateAsync(prompt, options with { Seed = 100 + run });
                rates[name].Add(result.TokenIds.Count / clock.Elapsed.TotalSeconds);
            }
        }
        double freeRate = Arguments.Median(rates["free"]), jsonRate = Arguments.Median(rates["json"]);
        Console.WriteLine($"decode (prefill included), median of {runs}: free {freeRate:F1} tokens/s, json {jsonRate:F1} tokens/s ({jsonRate / freeRate:P0} of free)");

        // The mask alone, from the states a constrained run passes through.
        var state = constraint.Start(TokenTrie.For(package.Tokenizer));
        var sample = await generator.GenerateAsync(prompt, json with { Seed = 100 });
        var logits = new float[backend.VocabularySize];
        var eos = new HashSet<int>();
        var maskClock = new Stopwatch();
        foreach (int token in sample.TokenIds)
        {
            maskClock.Start();
            state.Mask(logits, eos);
            maskClock.Stop();
            state.Accept(token);
        }
        Console.WriteLine($"mask: {maskClock.Elapsed.TotalMilliseconds / Math.Max(1, sample.TokenIds.Count):F2} ms per token over {sample.TokenIds.Count} tokens");

        if (args.Int("--streams", 0) is int streams and > 0) await BatchedAsync(path, streams, runs, prompt, free, json);
    }

    /// <summary>
    /// N streams at once through the batching engine (each sequence carries its own constraint state), closed-loop: each
    /// of N clients sends its next request as soon as the last ends, for a fixed time, so the batch stays full even
    /// though constrained replies end when their document does; the rate is all tokens over that time.
    /// </summary>
    private static async Task BatchedAsync(string path, int streams, int runs, IReadOnlyList<int> prompt, SamplingOptions free, SamplingOptions constrained)
    {
        using var model = Strata.Serving.Registry.ServedModel.Load(path);
        using var engine = new Strata.Serving.Engine.InferenceEngine(model, new Strata.Serving.Engine.EngineOptions { MaxBatchSize = streams, MaxQueuedRequests = 4 * streams });
        async Task<double> Round(SamplingOptions options, int seed, double seconds)
        {
            var clock = Stopwatch.StartNew();
            var counts = await Task.WhenAll(Enumerable.Range(0, streams).Select(async client =>
            {
                int tokens = 0;
                for (int request = 0; clock.Elapsed.TotalSeconds < seconds; request++)
                {
                    var stream = engine.Submit(new Strata.Serving.Engine.GenerationRequest(prompt, options with { Seed = seed + 100 * client + request }));
                    await foreach (var chunk in stream.ReadAllAsync())
                    {
                        if (chunk.TokenId is not null) tokens++;
                    }
                }
                return tokens;
            }));
            return counts.Sum() / clock.Elapsed.TotalSeconds;
        }
        await Round(free, 0, 3);
        await Round(constrained, 0, 3);
        var rates = new Dictionary<string, List<double>> { ["free"] = [], ["constrained"] = [] };
        for (int run = 0; run < runs; run++)
        {
            rates["free"].Add(await Round(free, 10_000 * (run + 1), 8));
            rates["constrained"].Add(await Round(constrained, 10_000 * (run + 1), 8));
        }
        double freeRate = Arguments.Median(rates["free"]), constrainedRate = Arguments.Median(rates["constrained"]);
        Console.WriteLine($"{streams} streams through the batching engine (closed loop, 8 s rounds), median of {runs}: free {freeRate:F1} tokens/s, constrained {constrainedRate:F1} tokens/s ({constrainedRate / freeRate:P0} of free)");
    }
}
