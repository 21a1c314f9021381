using System.Diagnostics;
using System.Text.Json;
using Strata.Models.Configuration;
using Strata.Models.Generation;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Native;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Native;

/// <summary>
/// The native runtime against the TorchSharp path on random models (the golden tests compare both with the numpy
/// reference): ragged batches with pooled caches, greedy decoding, and misuse of the seam.
/// </summary>
public sealed class NativeBackendTests
{
    private static string SaveModel(ModelConfig config, int seed)
    {
        string directory = TestPaths.NewTemporaryDirectory();
        using var model = LlamaCheckpoint.Create(config, seed: seed);
        LlamaCheckpoint.Save(model, directory);
        return directory;
    }

    public static TheoryData<string> Shapes => new(["gqa-tied", "qwen2-bias", "alibi"]);

    private static ModelConfig Shape(string name) => name switch
    {
        "gqa-tied" => ModelPresets.Tiny(96) with { HiddenSize = 128, IntermediateSize = 256 },
        "qwen2-bias" => ModelPresets.Tiny(96) with { Architectures = ["Qwen2ForCausalLM"], TieWordEmbeddings = false },
        _ => ModelPresets.Tiny(96) with { PositionEncoding = PositionEncoding.Alibi, MaxPositionEmbeddings = 16 },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void RaggedStepsMatchEachSequenceAloneAndTheTorchPath(string shape)
    {
        string directory = SaveModel(Shape(shape), seed: 3);
        using var native = NativeBackend.FromCheckpoint(ModelConfig.Load(directory), directory);
        using var torch = new TorchBackend(LlamaCheckpoint.Load(directory), ownsModel: true);
        int[][] prompts = [[1, 5, 9, 2, 7], [3, 3, 8, 1, 4, 6, 2, 9, 11], [12, 4, 4]];
        // Step 1: A's whole prompt and B's first four tokens; step 2: A decodes, B finishes, C starts; then three
        // steps where all three decode together (the pooled decode path).
        var plan = new List<(int Sequence, int[] Tokens)[]>
        {
            new[] { (0, prompts[0]), (1, prompts[1][..4]) },
            new[] { (0, new[] { 20 }), (1, prompts[1][4..]), (2, prompts[2]) },
        };
        for (int step = 0; step < 3; step++) plan.Add([(0, [30 + step]), (1, [40 + step]), (2, [50 + step])]);

        var batched = Run(native, plan, pooled: true);
        var alone = Run(native, plan, pooled: false);
        var reference = Run(torch, plan, pooled: true);
        for (int s = 0; s < batched.Count; s++)
        {
            AssertClose(alone[s], batched[s], 1e-4, $"step {s}: batched vs alone");
            AssertClose(reference[s], batched[s], 1e-4, $"step {s}: native vs torch");
        }
    }

    /// <summary>Runs the plan and returns each step's logits rows (in the plan's order).</summary>
    private static List<float[]> Run(IInferenceBackend backend, List<(int Sequence, int[] Tokens)[]> plan, bool pooled)
    {
        var pools = new List<ISequenceCachePool>();
        var caches = new ISequenceCache[3];
        var shared = backend.NewCachePool(3);
        pools.Add(shared);
        for (int i = 0; i < 3; i++)
        {
            if (pooled) caches[i] = shared.Rent();
            else
            {
                var own = backend.NewCachePool(1);
                pools.Add(own);
                caches[i] = own.Rent();
            }
        }
        var results = new List<float[]>();
        foreach (var step in plan)
        {
            if (pooled)
            {
                var logits = new float[step.Length * backend.VocabularySize];
                backend.Step(step.Select(p => new SequenceStep(p.Tokens, caches[p.Sequence])).ToArray(), logits);
                results.Add(logits);
            }
            else
            {
                // One sequence at a time, in the same order: what the batched step must equal.
                var logits = new float[step.Length * backend.VocabularySize];
                for (int i = 0; i < step.Length; i++)
                {
                    backend.Step([new SequenceStep(step[i].Tokens, caches[step[i].Sequence])], logits.AsSpan(i * backend.VocabularySize));
                }
                results.Add(logits);
            }
        }
        foreach (var cache in caches) cache.Dispose();
        foreach (var pool in pools) pool.Dispose();
        return results;
    }

    [Theory, MemberData(nameof(Shapes))]
    public async Task GreedyTokensEqualTheTorchPath(string shape)
    {
        string directory = SaveModel(Shape(shape), seed: 5);
        using var native = NativeBackend.FromCheckpoint(ModelConfig.Load(directory), directory);
        using var torch = new TorchBackend(LlamaCheckpoint.Load(directory), ownsModel: true);
        var options = SamplingOptions.Greedy with { MaxTokens = 12, StopAtEndOfSequence = false };
        int[] prompt = [1, 2, 3];
        var fromNative = await new TextGenerator(new BackendLanguageModel(native, []), ByteTokenizer.Instance).GenerateAsync(prompt, options);
        var fromTorch = await new TextGenerator(new BackendLanguageModel(torch, []), ByteTokenizer.Instance).GenerateAsync(prompt, options);
        Assert.Equal(fromTorch.TokenIds, fromNative.TokenIds);
    }

    [Fact]
    public void HiddenStatesAndScoresMatchTheTorchPath()
    {
        string directory = SaveModel(Shape("gqa-tied"), seed: 7);
        using var native = NativeBackend.FromCheckpoint(ModelConfig.Load(directory), directory);
        using var torch = new TorchBackend(LlamaCheckpoint.Load(directory), ownsModel: true);
        int[] ids = Enumerable.Range(0, 150).Select(i => (i * 7) % 96).ToArray();   // more than one 64-token scoring chunk
        AssertClose(torch.HiddenStates(ids), native.HiddenStates(ids), 1e-4, "hidden states");
        var expected = torch.TokenLogProbs(ids);
        var actual = native.TokenLogProbs(ids);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"token {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void HalfPrecisionCacheStaysCloseToTheFloatCache()
    {
        string directory = SaveModel(Shape("gqa-tied"), seed: 13);
        var config = ModelConfig.Load(directory);
        using var exact = NativeBackend.FromCheckpoint(config, directory);
        using var half = NativeBackend.FromCheckpoint(config, directory, new InferenceOptions { KvCache = KvCacheType.F16 });
        int[] ids = Enumerable.Range(0, 90).Select(i => (i * 11 + 3) % 96).ToArray();
        var expected = exact.TokenLogProbs(ids);
        var actual = half.TokenLogProbs(ids);
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.InRange(worst, 1e-9, 5e-3);   // rounded (so not identical), but by no more than half precision allows
    }

    [Fact]
    public void MisuseIsRefusedWithAReason()
    {
        string directory = SaveModel(Shape("alibi") with { PositionEncoding = PositionEncoding.Rope }, seed: 1);
        using var native = NativeBackend.FromCheckpoint(ModelConfig.Load(directory), directory);
        using var other = NativeBackend.FromCheckpoint(ModelConfig.Load(directory), directory);
        using var pool = native.NewCachePool(1);
        using var foreignPool = other.NewCachePool(1);
        using var cache = pool.Rent();
        using var foreign = foreignPool.Rent();
        var logits = new float[2 * native.VocabularySize];
        Assert.Contains("not made by this backend", Assert.Throws<ArgumentException>(() => native.Step([new SequenceStep([1], foreign)], logits)).Message);
        Assert.Contains("share one cache", Assert.Throws<ArgumentException>(() => native.Step([new SequenceStep([1], cache), new SequenceStep([2], cache)], logits)).Message);
        Assert.Contains("16-token context", Assert.Throws<ArgumentException>(() => native.Step([new SequenceStep(new int[17], cache)], logits)).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => native.Step([new SequenceStep([96], cache)], logits)).Message);
        Assert.Equal(0, cache.Length);   // refused steps leave the cache as it was
        Assert.Contains("in use", Assert.Throws<InvalidOperationException>(() => pool.Rent()).Message);
    }

    [Fact]
    public void ScalarFallbackGivesTheSameScoresAsTheSimdKernels()
    {
        // The CLI in a child process with STRATA_NATIVE_SCALAR=1 takes the portable paths everywhere.
        int vocabulary = Strata.Models.Tokenization.BundledTokenizer.Load().VocabularySize;
        string directory = SaveModel(Shape("gqa-tied") with { VocabSize = vocabulary }, seed: 9);
        Strata.Models.Tokenization.BundledTokenizer.SaveTo(Path.Combine(directory, "tokenizer.json"));
        var simd = ScoreInChildProcess(directory, scalar: false);
        var scalar = ScoreInChildProcess(directory, scalar: true);
        Assert.Equal(simd.Length, scalar.Length);
        Assert.True(simd.Length > 5);
        for (int i = 0; i < simd.Length; i++) Assert.True(Math.Abs(simd[i] - scalar[i]) < 1e-4, $"token {i}: SIMD {simd[i]}, scalar {scalar[i]}");
    }

    private static double[] ScoreInChildProcess(string model, bool scalar)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "strata.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { cli, "score", "--model", model, "--text", "tiny models say little", "--json", "--backend", "native" })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["STRATA_NATIVE_SCALAR"] = scalar ? "1" : "0";
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("tokens").EnumerateArray().Skip(1)
            .Select(t => t.GetProperty("logprob").GetDouble()).ToArray();
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < tolerance, $"{what}: [{i}] expected {expected[i]}, got {actual[i]}");
        }
    }
}
