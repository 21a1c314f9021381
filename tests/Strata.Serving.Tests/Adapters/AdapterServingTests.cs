using System.Net;
using System.Text.Json;
using Strata.Models.Adapters;
using Strata.Models.Configuration;
using Strata.Models.Inference;
using Strata.Models.Loading;
using Strata.Models.Native;
using Strata.Serving.Hosting;
using Strata.Serving.Registry;
using Strata.Serving.Tests.Support;
using TorchSharp;

namespace Strata.Serving.Tests.Adapters;

/// <summary>A server with two LoRA adapters over the tiny chat model's weights (<c>strata serve --adapter NAME=DIR</c>).</summary>
public sealed class AdapterServer : RunningServer
{
    public const string First = "tiny-lora-a", Second = "tiny-lora-b";

    public static readonly Lazy<(string Base, string AdapterA, string AdapterB)> Files = new(() =>
    {
        string root = TestPaths.NewTemporaryDirectory();
        string baseDir = TinyModels.Create(Path.Combine(root, "base"));
        var config = ModelConfig.Load(baseDir);
        string Adapter(string name, IReadOnlyList<string> targets, long seed)
        {
            using var adapter = LoraAdapter.Create(config, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = targets }, seed);
            using (torch.no_grad())
            {
                foreach (var p in adapter.parameters()) p.normal_(0, 0.3);   // a trained adapter: B no longer zero
            }
            string dir = Path.Combine(root, name);
            adapter.Save(dir);
            return dir;
        }
        return (baseDir, Adapter("a", LoraConfig.KnownTargets, 1), Adapter("b", ["q_proj", "v_proj"], 2));
    });

    protected override string CreateModelDirectory() => Files.Value.Base;

    protected override ServerOptions CreateOptions()
    {
        var options = DefaultOptions(CreateModelDirectory());
        var source = options.Models[0] with { Adapters = [new AdapterSource(First, Files.Value.AdapterA), new AdapterSource(Second, Files.Value.AdapterB)] };
        return options with { Models = [source] };
    }
}

/// <summary>
/// Adapters served over one copy of the base weights: each is its own model id, answers with its own distribution (the
/// merged model's, checked on the first token's log-probability), and requests for the base and for several adapters
/// share the running batch.
/// </summary>
public sealed class AdapterServingTests(AdapterServer server) : IClassFixture<AdapterServer>
{
    private const string Prompt = "Once upon a time";

    [Fact]
    public async Task AdaptersAreListedAsModels()
    {
        using var client = server.Client();
        var models = await RunningServer.SendAsync(client, HttpMethod.Get, "v1/models");
        var ids = models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains(RunningServer.ModelName, ids);
        Assert.Contains(AdapterServer.First, ids);
        Assert.Contains(AdapterServer.Second, ids);
    }

    [Theory]
    [InlineData(AdapterServer.First)]
    [InlineData(AdapterServer.Second)]
    public async Task EachAdapterAnswersWithItsMergedModelsDistribution(string adapter)
    {
        var (baseDir, a, b) = AdapterServer.Files.Value;
        string merged = Path.Combine(TestPaths.NewTemporaryDirectory(), "merged");
        AdapterMerge.Run(baseDir, adapter == AdapterServer.First ? a : b, merged);

        double served = await FirstTokenLogprob(adapter);
        double reference = BestLogprob(merged);
        Assert.True(Math.Abs(served - reference) < 1e-3, $"{adapter}: served {served}, merged model {reference}");
        Assert.True(Math.Abs(await FirstTokenLogprob(RunningServer.ModelName) - BestLogprob(baseDir)) < 1e-3, "the base model keeps its own distribution");
        Assert.True(Math.Abs(served - BestLogprob(baseDir)) > 1e-3, "the adapter changes the distribution");
    }

    [Fact]
    public async Task BaseAndAdaptersShareTheBatch()
    {
        using var client = server.Client();
        string[] models = [RunningServer.ModelName, AdapterServer.First, AdapterServer.Second];
        var replies = await Task.WhenAll(Enumerable.Range(0, 9).Select(async i =>
        {
            var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/completions",
                new { model = models[i % 3], prompt = Prompt, max_tokens = 8, temperature = 0 });
            return (Model: models[i % 3], Answer: body.GetProperty("model").GetString(), Tokens: body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }));
        foreach (var reply in replies)
        {
            Assert.Equal(reply.Model, reply.Answer);
            Assert.True(reply.Tokens > 0);
        }
    }

    [Fact]
    public async Task MetricsCountEachAdapterUnderItsOwnName()
    {
        using var client = server.Client();
        async Task<double> Metric(string name, string model)
        {
            string text = await client.GetStringAsync("metrics");
            string prefix = $"{name}{{model=\"{model}\"}} ";
            string? line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
        }
        double before = await Metric("strata_generated_tokens_total", AdapterServer.Second);
        double firstTokensBefore = await Metric("strata_time_to_first_token_seconds_count", AdapterServer.Second);
        double baseBefore = await Metric("strata_generated_tokens_total", RunningServer.ModelName);
        var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/completions",
            new { model = AdapterServer.Second, prompt = Prompt, max_tokens = 5, temperature = 0 });
        int generated = body.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.Equal(before + generated, await Metric("strata_generated_tokens_total", AdapterServer.Second));
        Assert.Equal(firstTokensBefore + 1, await Metric("strata_time_to_first_token_seconds_count", AdapterServer.Second));
        Assert.Equal(baseBefore, await Metric("strata_generated_tokens_total", RunningServer.ModelName));
    }

    [Fact]
    public async Task AnAdapterNameThatIsNotServedIs404()
    {
        using var client = server.Client();
        await RunningServer.SendAsync(client, HttpMethod.Post, "v1/completions", new { model = "tiny-lora-c", prompt = Prompt, max_tokens = 1 }, HttpStatusCode.NotFound);
    }

    private async Task<double> FirstTokenLogprob(string model)
    {
        using var client = server.Client();
        var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/completions", new { model, prompt = Prompt, max_tokens = 1, temperature = 0, logprobs = 1 });
        return body.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("token_logprobs")[0].GetDouble();
    }

    /// <summary>The largest next-token log-probability after the prompt (greedy's first token), by the native runtime.</summary>
    private static double BestLogprob(string directory)
    {
        var package = ModelPackage.Open(directory);
        var ids = package.EncodeText(Prompt);
        using var backend = NativeBackend.FromCheckpoint(package.Config, directory);
        using var pool = backend.NewCachePool(1);
        using var cache = pool.Rent();
        var logits = new float[backend.VocabularySize];
        backend.Step([new SequenceStep(ids, cache)], logits);
        return Enumerable.Range(0, logits.Length).Max(i => LogitMath.LogProbability(logits, i));
    }
}
