using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Models.Configuration;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Tokenization;
using Strata.Serving.Engine;
using Strata.Serving.Hosting;
using Strata.Serving.Registry;
using TorchSharp;

namespace Strata.Bench;

/// <summary>
/// The server under load: aggregate decode tokens/s with 1, 4 and 16 concurrent streaming chat clients over real
/// HTTP on a model (--model folder or GGUF file; default a SmolLM2-135M-shaped fp32 checkpoint with random weights, on
/// --backend native or torch), time to first token at idle, and resident memory
/// per model and per active sequence. Batching works when 16 streams give several times one stream's tokens/s.
/// </summary>
internal static class ServingBenchmark
{
    public static async Task RunAsync(Arguments args)
    {
        int maxTokens = args.Int("--decode", 64), promptWords = args.Int("--prompt", 24);
        int[] concurrency = (args.Value("--clients") ?? "1,4,16").Split(',').Select(int.Parse).ToArray();
        int threads = args.Int("--threads", Environment.ProcessorCount);
        var backend = Enum.Parse<BackendKind>(args.Value("--backend") ?? "native", ignoreCase: true);
        if (backend == BackendKind.Torch) torch.set_num_threads(threads);
        string directory = args.Value("--model") ?? CreateModel(Path.Combine(Path.GetTempPath(), "strata-bench-smollm2"));
        // --adapters N: N random LoRA adapters over the model; each concurrency level then runs all streams on one
        // adapter, then spread over the N (the mixed batch multi-LoRA serving is for).
        int adapterCount = args.Int("--adapters", 0);
        var adapters = CreateAdapters(directory, adapterCount, args.Int("--adapter-rank", 16));

        long rssBefore = ResidentBytes();
        await using var server = StrataServer.Create(new ServerOptions
        {
            Urls = ["http://127.0.0.1:0"],
            Models = [new ModelSource(directory, "smollm2-shape") { Inference = new InferenceOptions { Backend = backend, Threads = threads }, Adapters = adapters }],
            Engine = new EngineOptions { MaxBatchSize = concurrency.Max(), MaxQueuedRequests = 4 * concurrency.Max() },
        });
        await server.StartAsync();
        await server.Loading;
        long rssModel = ResidentBytes();
        var baseAddress = new Uri(server.Addresses.First() + "/");
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(10) };
        var config = server.Models.Engines[0].Model.Config;
        string prompt = string.Join(' ', Enumerable.Range(0, promptWords).Select(i => $"word{i}"));
        Console.WriteLine($"{Path.GetFileName(directory)}: {server.Models.Engines[0].Model.Backend.Name} backend, {threads} threads, prompt ≈{promptWords * 3} tokens, {maxTokens} tokens per stream");

        await Stream(http, prompt, maxTokens);   // warm-up: allocator, kernels, JIT
        if (adapters.Count > 0)
        {
            await CompareAdapters(http, prompt, maxTokens, concurrency, adapters);
            return;
        }
        await ReportIdleFirstToken(http, prompt, "");

        double single = 0, singleDecode = 0;
        long peakDuringLoad = rssModel;
        foreach (int clients in concurrency)
        {
            using var sampler = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            using var stop = new CancellationTokenSource();
            var watch = Task.Run(async () =>
            {
                try
                {
                    while (await sampler.WaitForNextTickAsync(stop.Token)) peakDuringLoad = Math.Max(peakDuringLoad, ResidentBytes());
                }
                catch (OperationCanceledException)
                {
                    // the run is over
                }
            });
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => args.Value("--direct") is null
                ? Stream(http, prompt, maxTokens)
                : Direct(server.Models.Engines[0], prompt, maxTokens)));
            double seconds = clock.Elapsed.TotalSeconds;
            stop.Cancel();
            await watch;
            int tokens = results.Sum(r => r.Tokens);
            double rate = tokens / seconds;
            if (clients == 1) single = rate;
            double decode = results.Sum(r => r.DecodeRate);
            if (clients == 1) singleDecode = decode;
            Console.WriteLine($"{clients,2} streams: {tokens} tokens in {seconds:F1} s = {rate:F1} tokens/s output throughput"
                + (single > 0 ? $" ({rate / single:F2}× one stream)" : "")
                + $"; decode {decode:F1} tokens/s summed over streams" + (singleDecode > 0 ? $" ({decode / singleDecode:F2}×)" : "")
                + $"; first token median {Arguments.Median(results.Select(r => r.FirstToken.TotalMilliseconds).ToList()):F0} ms");
        }

        // Again after batched decoding: an earlier attention variant left later prefills of the process slower.
        await ReportIdleFirstToken(http, prompt, " after the runs");

        long kvBytesPerToken = 2L * config.NumHiddenLayers * config.KeyValueHeads * config.HeadDimension * sizeof(float);
        int sequenceTokens = promptWords * 3 + maxTokens + 1;
        Console.WriteLine($"resident memory: {rssBefore / 1048576.0:F0} MiB before loading, +{(rssModel - rssBefore) / 1048576.0:F0} MiB for the model "
            + $"({config.VocabSize}-vocab weights {ParameterBytes(config) / 1048576.0:F0} MiB), peak +{(peakDuringLoad - rssModel) / 1048576.0:F0} MiB during the runs");
        Console.WriteLine($"per active sequence: KV cache {kvBytesPerToken / 1024.0:F0} KiB per token × {sequenceTokens} tokens = {kvBytesPerToken * sequenceTokens / 1048576.0:F1} MiB; "
            + $"measured peak growth / {concurrency.Max()} sequences = {(peakDuringLoad - rssModel) / (double)concurrency.Max() / 1048576.0:F1} MiB");
    }

    private static async Task CompareAdapters(HttpClient http, string prompt, int maxTokens, int[] concurrency, IReadOnlyList<AdapterSource> adapters)
    {
        await Stream(http, prompt, maxTokens, adapters[0].Name);   // warm-up of the adapter path
        foreach (int clients in concurrency)
        {
            foreach (var (label, pick) in new (string, Func<int, string>)[]
            {
                ("base model", _ => "smollm2-shape"),
                ("one adapter", _ => adapters[0].Name),
                ($"{adapters.Count} adapters mixed", i => adapters[i % adapters.Count].Name),
            })
            {
                var clock = Stopwatch.StartNew();
                var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Stream(http, prompt, maxTokens, pick(i))));
                double seconds = clock.Elapsed.TotalSeconds;
                int tokens = results.Sum(r => r.Tokens);
                Console.WriteLine($"{clients,2} streams, {label,-18}: {tokens / seconds,7:F1} tokens/s output throughput; decode {results.Sum(r => r.DecodeRate),7:F1} tokens/s summed over streams");
            }
        }
    }

    /// <summary>Random rank-r adapters on the attention projections (B drawn too, as after training).</summary>
    private static List<AdapterSource> CreateAdapters(string model, int count, int rank)
    {
        var list = new List<AdapterSource>();
        if (count == 0) return list;
        var config = Strata.Models.Configuration.ModelConfig.Load(model);
        for (int i = 0; i < count; i++)
        {
            string dir = Path.Combine(Path.GetTempPath(), $"strata-bench-adapter-{i}");
            using var adapter = Strata.Models.Adapters.LoraAdapter.Create(config, new Strata.Models.Adapters.LoraConfig { Rank = rank, Alpha = 2 * rank }, seed: i);
            using (torch.no_grad())
            {
                foreach (var p in adapter.parameters()) p.normal_(0, 0.01);
            }
            adapter.Save(dir);
            list.Add(new AdapterSource($"adapter-{i}", dir));
        }
        return list;
    }

    private static async Task ReportIdleFirstToken(HttpClient http, string prompt, string when)
    {
        var ttft = new List<double>();
        for (int i = 0; i < 5; i++) ttft.Add((await Stream(http, prompt, 4)).FirstToken.TotalMilliseconds);
        Console.WriteLine($"time to first token at idle{when}: median {Arguments.Median(ttft):F0} ms (5 requests)");
    }

    /// <param name="Total">From sending the request to the end of the stream.</param>
    private sealed record StreamResult(int Tokens, TimeSpan FirstToken, TimeSpan Total)
    {
        /// <summary>Tokens per second after the first one: the rate a reader sees text arrive.</summary>
        public double DecodeRate => Tokens > 1 && Total > FirstToken ? (Tokens - 1) / (Total - FirstToken).TotalSeconds : 0;
    }

    /// <summary>The same request straight into the engine, without HTTP: separates engine cost from serving cost.</summary>
    private static async Task<StreamResult> Direct(InferenceEngine engine, string prompt, int maxTokens)
    {
        var clock = Stopwatch.StartNew();
        var messages = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt });
        var stream = engine.Submit(new GenerationRequest(engine.Model.EncodeChatPrompt(messages),
            new Strata.Models.Generation.SamplingOptions { Temperature = 0, MaxTokens = maxTokens }));
        TimeSpan? first = null;
        int tokens = 0;
        await foreach (var chunk in stream.ReadAllAsync())
        {
            first ??= clock.Elapsed;
            if (chunk.TokenId is not null) tokens++;
        }
        return new StreamResult(tokens, first ?? clock.Elapsed, clock.Elapsed);
    }

    private static async Task<StreamResult> Stream(HttpClient http, string prompt, int maxTokens, string model = "smollm2-shape")
    {
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model,
                messages = new[] { new { role = "user", content = prompt } },
                max_tokens = maxTokens,
                temperature = 0,
                stream = true,
                stream_options = new { include_usage = true },
            }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        TimeSpan? first = null;
        int tokens = 0;
        while (await reader.ReadLineAsync() is string line)
        {
            // A light client (as a load generator elsewhere would be): it shares this machine's two cores with the
            // server, so only the usage chunk is parsed; content chunks are recognised by their text.
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            if (first is null && line.Contains("\"content\":\"", StringComparison.Ordinal) && !line.Contains("\"content\":\"\"", StringComparison.Ordinal))
            {
                first = clock.Elapsed;
            }
            if (!line.Contains("\"usage\":{", StringComparison.Ordinal)) continue;
            using var chunk = JsonDocument.Parse(line[6..]);
            tokens = chunk.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        }
        return new StreamResult(tokens, first ?? clock.Elapsed, clock.Elapsed);
    }

    /// <summary>
    /// A SmolLM2-135M-shaped checkpoint with random weights. Its tokenizer is the bundled BPE with the vocabulary
    /// padded to 49,152 entries (words no merge produces), so every sampled id decodes to text.
    /// </summary>
    private static string CreateModel(string directory)
    {
        if (File.Exists(Path.Combine(directory, "model.safetensors"))) return directory;
        Directory.CreateDirectory(directory);
        string tokenizerPath = Path.Combine(directory, "tokenizer.json");
        BundledTokenizer.SaveTo(tokenizerPath);
        var json = JsonNode.Parse(File.ReadAllText(tokenizerPath))!;
        var vocab = json["model"]!["vocab"]!.AsObject();
        var config = ModelPresets.SmolLM2_135M;
        for (int id = vocab.Count; id < config.VocabSize; id++) vocab[$"Ġw{id}"] = id;
        File.WriteAllText(tokenizerPath, json.ToJsonString());
        var tokenizer = StrataTokenizer.FromTokenizerJson(tokenizerPath);
        using var model = LlamaCheckpoint.Create(config with { EosTokenIds = [tokenizer.SpecialTokens["<|im_end|>"]] }, seed: 1);
        LlamaCheckpoint.Save(model, directory);
        return directory;
    }

    private static long ParameterBytes(ModelConfig config)
    {
        long layer = 4L * config.HiddenSize * config.HiddenSize / config.NumAttentionHeads * (config.NumAttentionHeads + config.KeyValueHeads) / 2;
        return sizeof(float) * ((long)config.VocabSize * config.HiddenSize + config.NumHiddenLayers * (layer + 3L * config.HiddenSize * config.IntermediateSize));
    }

    private static long ResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
