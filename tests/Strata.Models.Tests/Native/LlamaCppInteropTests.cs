using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Strata.Models.Configuration;
using Strata.Models.Gguf;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Loading;
using Strata.Models.Quantization;
using Strata.Models.Tokenization;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Strata.Models.Tests.Native;

/// <summary>
/// GGUF files go both ways between Strata and an independent llama.cpp (node-llama-cpp 3.21.1's prebuilt CPU build,
/// tests/tools): files written by <c>strata quantize</c> run in llama.cpp with the log-probabilities and greedy tokens
/// Strata's native runtime gives on the same file, and files quantized by llama.cpp's own <c>llama_model_quantize</c>
/// are byte-identical to Strata's and run the same in both.
/// </summary>
/// <remarks>
/// The models are random but not flat: HF's 0.02 initialisation gives near-uniform next-token distributions where every
/// greedy step is a near-tie, so the weights are drawn wider (<see cref="RandomModel"/>). Shapes have rows of 256 and
/// 512 so that q4_k_m files hold real Q4_K and Q6_K blocks (narrower rows fall back to Q5_0/Q8_0), and head_dim 64.
/// One llama model (permuted Q/K rows, GQA, untied head) and one qwen2 model (Q/K/V biases, tied head).
/// </remarks>
public sealed class LlamaCppInteropTests(ITestOutputHelper output)
{
    private const int Vocabulary = 256;
    private const int GreedyTokens = 48;
    private const int TopK = 8;

    /// <summary>48 prompt ids spread over the vocabulary (a fixed sequence, no tokenizer involved).</summary>
    private static readonly int[] Prompt = Enumerable.Range(0, 48).Select(i => (i * 97 + 13) % Vocabulary).ToArray();

    private static readonly Dictionary<string, Lazy<string>> Models = new()
    {
        ["llama"] = new(() => RandomModel(Shape() with { TieWordEmbeddings = false }, seed: 5)),
        ["qwen2"] = new(() => RandomModel(Shape() with { Architectures = ["Qwen2ForCausalLM"], ModelType = "qwen2", TieWordEmbeddings = true }, seed: 6)),
    };

    private static ModelConfig Shape() => ModelPresets.Tiny(Vocabulary) with
    {
        HiddenSize = 256,
        IntermediateSize = 512,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
    };

    /// <summary>What llama.cpp and Strata may differ by on one file: log-probs, largest and on average; near-tie margin.</summary>
    /// <param name="NearTie">Greedy steps where llama.cpp's top two tokens are closer than this are not compared.</param>
    private sealed record Bounds(double Max, double Mean, double NearTie);

    /// <summary>
    /// Bounds per file type, from what was measured on these models (largest |Δ| over both models and both directions;
    /// prompt and decode steps; margin shift = how far the two sides' log-probs move the top-two margin apart):
    /// <code>
    ///            max |Δ|   mean |Δ|   margin shift   (bound: max, mean, near-tie)
    /// f32        2.4e-5    4.3e-6     2.4e-5         1e-4, 2.5e-5, 1e-4
    /// f16        1.4e-2    2.5e-3     1.1e-2         3e-2, 6e-3, 3e-2
    /// q8_0       2.6e-1    5.9e-2     1.8e-1         0.6, 0.12, 0.5
    /// q4_0       3.2e-1    6.0e-2     2.9e-1         0.6, 0.12, 0.5
    /// q4_k_m     5.1e-1    1.3e-1     4.5e-1         1.0, 0.25, 1.0
    /// </code>
    /// F32: both sides compute in float32 with an F32 KV cache. F16: llama.cpp rounds the activations to F16 before
    /// multiplying them with F16 weights (ggml's vec_dot_type for F16), Strata multiplies F16 weights by float32
    /// activations; measured apart, Strata's F16 run equals its run on the same weights decoded to F32 exactly, and
    /// llama.cpp's differs from its own F32 run by the whole 1e-2, as much as rounding the weights to F16 does (which is
    /// why the F16 bounds cannot tell F16 weights from F32 ones; the F32 bounds can). Quantized: both sides round the
    /// activations to 8 bits, llama.cpp in Q8_0 blocks (32 values, F16 scale) for Q8_0/Q4_0 weights and Q8_K blocks (256
    /// values) for Q4_K/Q6_K, Strata per 32 values with a float scale; each side's rounding alone moves its log-probs from
    /// float arithmetic on the same weights by up to 0.24 (Strata) and 0.34 (llama.cpp), 0.05 to 0.13 on average, and
    /// the two roundings are largely independent, so their difference can approach the sum. Bounds are about twice what
    /// was measured, for other CPUs (llama.cpp picks its AVX2 or AVX-512 build at load; so does Strata). Rounding the
    /// weights to another 4-bit format moves log-probs by 0.8 to 1.8 on average and 2.6 to 7 at most, far outside them
    /// (<see cref="ComparisonTellsDifferentFilesApart"/>).
    /// </summary>
    private static Bounds Tolerance(string type) => type switch
    {
        "f32" => new(1e-4, 2.5e-5, 1e-4),
        "f16" => new(3e-2, 6e-3, 3e-2),
        "q8_0" or "q4_0" => new(0.6, 0.12, 0.5),
        "q4_k_m" => new(1.0, 0.25, 1.0),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>ggml types a file of each type must hold, so that the kernels in question really ran.</summary>
    private static GgmlType[] ExpectedTypes(string type) => type switch
    {
        "f32" => [GgmlType.F32],
        "f16" => [GgmlType.F16],
        "q8_0" => [GgmlType.Q8_0],
        "q4_0" => [GgmlType.Q4_0, GgmlType.Q6_K],
        "q4_k_m" => [GgmlType.Q4_K, GgmlType.Q6_K],
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static TheoryData<string, string> StrataFiles => new()
    {
        { "llama", "f32" }, { "llama", "f16" }, { "llama", "q8_0" }, { "llama", "q4_0" }, { "llama", "q4_k_m" },
        { "qwen2", "f32" }, { "qwen2", "f16" }, { "qwen2", "q8_0" }, { "qwen2", "q4_0" }, { "qwen2", "q4_k_m" },
    };

    /// <summary>1. A file <c>strata quantize</c> writes runs in llama.cpp as it runs in Strata.</summary>
    [Theory, MemberData(nameof(StrataFiles))]
    public void StrataFileRunsTheSameInLlamaCpp(string architecture, string type)
    {
        string file = StrataFile(architecture, type);
        AssertHolds(file, ExpectedTypes(type));
        var agreement = Compare(LlamaCpp(file), file, Tolerance(type));
        Report($"Strata's {architecture} {type}", agreement);
        AssertAgrees(agreement, Tolerance(type), $"{architecture} {type}, Strata's file");
    }

    private static readonly string[] LlamaCppTypes = ["f16", "q8_0", "q4_0", "q4_k_m"];

    public static TheoryData<string, string> LlamaCppFiles => new()
    {
        { "llama", "f16" }, { "llama", "q8_0" }, { "llama", "q4_0" }, { "llama", "q4_k_m" },
        { "qwen2", "f16" }, { "qwen2", "q8_0" }, { "qwen2", "q4_0" }, { "qwen2", "q4_k_m" },
    };

    /// <summary>
    /// 2a. llama.cpp's own quantizer on Strata's F32 file writes the bytes <c>strata quantize</c> writes, both from the
    /// checkpoint folder and from that F32 file (requantizing a GGUF): the same tensor types, blocks and metadata.
    /// </summary>
    [Theory, MemberData(nameof(LlamaCppFiles))]
    public void LlamaCppQuantizerWritesStratasBytes(string architecture, string type)
    {
        string reference = LlamaCppFile(architecture, type);
        AssertHolds(reference, ExpectedTypes(type));
        AssertSameBytes(reference, StrataFile(architecture, type));
        string fromF32 = Path.Combine(TestPaths.NewTemporaryDirectory(), $"{architecture}-{type}-from-f32.gguf");
        GgufExporter.Export(StrataFile(architecture, "f32"), fromF32, GgufFileTypes.Parse(type));
        AssertSameBytes(reference, fromF32);
    }

    /// <summary>
    /// 2b. A file llama.cpp's quantizer wrote runs in Strata as it runs in llama.cpp. Where 2a holds, llama.cpp's run of
    /// Strata's identical file (same SHA-256) is reused rather than repeated; where it does not, this runs llama.cpp on
    /// the different bytes.
    /// </summary>
    [Theory, MemberData(nameof(LlamaCppFiles))]
    public void LlamaCppFileRunsTheSameInStrata(string architecture, string type)
    {
        string file = LlamaCppFile(architecture, type);
        var agreement = Compare(LlamaCpp(file), file, Tolerance(type));
        Report($"llama.cpp's {architecture} {type}", agreement);
        AssertAgrees(agreement, Tolerance(type), $"{architecture} {type}, llama.cpp's file");
    }

    /// <summary>
    /// 3. The comparison can fail: at each file type's bounds, Strata on a file one rounding step away from the one
    /// llama.cpp ran is rejected (F32 bounds: the same weights in F16; F16 bounds: in Q8_0; 4-bit bounds: q4_k_m for
    /// q4_0), and so is another model of the same shape, whose greedy tokens differ as well.
    /// </summary>
    [Fact]
    public void ComparisonTellsDifferentFilesApart()
    {
        foreach (var (ran, compared, bounds) in new[] { ("f32", "f16", "f32"), ("f16", "q8_0", "f16"), ("q4_0", "q4_k_m", "q4_0") })
        {
            var agreement = Compare(LlamaCpp(StrataFile("llama", ran)), StrataFile("llama", compared), Tolerance(bounds));
            Report($"llama.cpp on llama {ran}, Strata on llama {compared}", agreement);
            Assert.True(agreement.PromptMax > Tolerance(bounds).Max && agreement.PromptMean > Tolerance(bounds).Mean,
                $"Strata's {compared} file passed for llama.cpp's {ran} one at {bounds} bounds");
        }

        var different = Compare(LlamaCpp(StrataFile("llama", "f32")), StrataFile("qwen2", "f32"), Tolerance("f32"));
        Report("llama.cpp on llama f32, Strata on qwen2 f32", different);
        Assert.True(different.PromptMean > 1, $"another model's log-probs came within {different.PromptMean} on average");
        Assert.True(different.GreedyMismatches.Count > different.GreedyChecked / 2,
            $"another model chose llama.cpp's greedy token {different.GreedyChecked - different.GreedyMismatches.Count} of {different.GreedyChecked} times");
    }

    /// <summary>How Strata's native runtime and llama.cpp's output compare on one file.</summary>
    /// <param name="PromptMax">Largest |difference| over the prompt's log-probs; <paramref name="PromptMean"/> their mean.</param>
    /// <param name="StepMax">Largest |difference| over llama.cpp's top-k log-probs at every decode step; <paramref name="StepMean"/> their mean.</param>
    /// <param name="MarginShiftMax">Largest change of the margin between llama.cpp's top two tokens, Strata's log-probs against llama.cpp's.</param>
    /// <param name="GreedyChecked">Steps whose greedy token was compared.</param>
    /// <param name="NearTies">Steps skipped because llama.cpp's top two were closer than the near-tie margin.</param>
    private sealed record Agreement(double PromptMax, double PromptMean, double StepMax, double StepMean, double MarginShiftMax,
        int GreedyChecked, IReadOnlyList<string> NearTies, IReadOnlyList<string> GreedyMismatches);

    /// <summary>
    /// Strata's native backend on <paramref name="file"/> against llama.cpp's output <paramref name="llama"/>: prompt
    /// log-probs (<see cref="IInferenceBackend.TokenLogProbs"/>), then the decode path (prefill, then one token per
    /// <see cref="IInferenceBackend.Step"/> with a cache), fed llama.cpp's greedy tokens so that one near-tie does not
    /// send the two down different continuations.
    /// </summary>
    private static Agreement Compare(JsonNode llama, string file, Bounds bounds)
    {
        // One thread, as llama.cpp gets: the native runtime splits work by output rows, so its results do not depend on how
        // many threads run (checked on these files), and on a busy machine its waiting workers tripled this class's CPU time.
        using var backend = ModelPackage.Open(file).LoadBackend(new InferenceOptions { Backend = BackendKind.Native, Threads = 1 });
        double[] expectedPrompt = llama["prompt_logprobs"]!.AsArray().Select(v => (double)v!).ToArray();
        double[] actualPrompt = backend.TokenLogProbs(Prompt);
        Assert.Equal(expectedPrompt.Length, actualPrompt.Length);
        double[] promptDifferences = expectedPrompt.Zip(actualPrompt, (e, a) => Math.Abs(e - a)).ToArray();

        int[] greedy = llama["greedy"]!.AsArray().Select(v => (int)v!).ToArray();
        var steps = llama["steps"]!.AsArray();
        Assert.Equal(GreedyTokens, greedy.Length);
        Assert.Equal(GreedyTokens + 1, steps.Count);

        using var pool = backend.NewCachePool(1);
        using var cache = pool.Rent();
        var logits = new float[backend.VocabularySize];
        var stepDifferences = new List<double>();
        double marginShiftMax = 0;
        int compared = 0;
        var nearTies = new List<string>();
        var mismatches = new List<string>();
        for (int s = 0; s <= GreedyTokens; s++) // after the prompt, then after each of llama.cpp's greedy tokens
        {
            backend.Step([new SequenceStep(s == 0 ? Prompt : [greedy[s - 1]], cache)], logits);
            double[] logProbs = LogSoftmax(logits);
            var top = steps[s]!["top"]!.AsArray().Select(e => (Id: (int)e![0]!, LogProb: (double?)e[1]))
                .OrderByDescending(e => e.LogProb ?? double.NegativeInfinity).ToArray();
            foreach (var (id, logProb) in top)
            {
                if (logProb is double expected) stepDifferences.Add(Math.Abs(expected - logProbs[id]));
            }
            double margin = top[0].LogProb!.Value - top[1].LogProb!.Value;
            marginShiftMax = Math.Max(marginShiftMax, Math.Abs(margin - (logProbs[top[0].Id] - logProbs[top[1].Id])));
            if (s == GreedyTokens) break; // the last distribution, after the last greedy token, chose nothing
            // llama.cpp's greedy sampler picks its most probable token.
            Assert.Equal(top[0].Id, greedy[s]);
            // Where llama.cpp's top two are closer than both sides' arithmetic can move them apart (activations rounded
            // to 8 bits or to F16 differently), which one wins is a near-tie, not a disagreement: skipped and counted.
            if (margin < bounds.NearTie)
            {
                nearTies.Add($"step {s}: margin {margin:E2}");
                continue;
            }
            compared++;
            int chosen = Array.IndexOf(logProbs, logProbs.Max());
            if (chosen != greedy[s]) mismatches.Add($"step {s}: llama.cpp {greedy[s]}, Strata {chosen} (margin {margin:E2})");
        }
        return new Agreement(promptDifferences.Max(), promptDifferences.Average(), stepDifferences.Max(), stepDifferences.Average(),
            marginShiftMax, compared, nearTies, mismatches);
    }

    private void Report(string what, Agreement agreement) => output.WriteLine(
        $"{what}: prompt |Δ| max {agreement.PromptMax:E2} mean {agreement.PromptMean:E2}; steps |Δ| max {agreement.StepMax:E2} " +
        $"mean {agreement.StepMean:E2}; margin shift max {agreement.MarginShiftMax:E2}; greedy {agreement.GreedyChecked} compared, " +
        $"{agreement.NearTies.Count} near-ties skipped [{string.Join("; ", agreement.NearTies)}], " +
        $"{agreement.GreedyMismatches.Count} mismatches [{string.Join("; ", agreement.GreedyMismatches)}]");

    private static void AssertAgrees(Agreement agreement, Bounds bounds, string what)
    {
        Assert.True(agreement.PromptMax < bounds.Max, $"{what}: prompt log-probs differ by up to {agreement.PromptMax:E3} (bound {bounds.Max:E1})");
        Assert.True(agreement.StepMax < bounds.Max, $"{what}: decode-step log-probs differ by up to {agreement.StepMax:E3} (bound {bounds.Max:E1})");
        Assert.True(agreement.PromptMean < bounds.Mean, $"{what}: prompt log-probs differ by {agreement.PromptMean:E3} on average (bound {bounds.Mean:E1})");
        Assert.True(agreement.StepMean < bounds.Mean, $"{what}: decode-step log-probs differ by {agreement.StepMean:E3} on average (bound {bounds.Mean:E1})");
        Assert.True(agreement.GreedyMismatches.Count == 0, $"{what}: greedy tokens differ: {string.Join("; ", agreement.GreedyMismatches)}");
        // A third of the steps or more are clear of near-ties in these models; fewer would leave the greedy comparison saying little.
        Assert.True(agreement.GreedyChecked >= GreedyTokens / 3, $"{what}: only {agreement.GreedyChecked} of {GreedyTokens} greedy steps were clear of near-ties");
    }

    private static double[] LogSoftmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        double log = max + Math.Log(sum);
        var result = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) result[i] = logits[i] - log;
        return result;
    }

    private static void AssertHolds(string file, GgmlType[] types)
    {
        var held = GgufFile.Read(file).Tensors.Select(t => (GgmlType)t.GgmlType).ToHashSet();
        foreach (var type in types) Assert.True(held.Contains(type), $"{file} holds no {type} tensor (only {string.Join(", ", held)})");
    }

    /// <summary>Equal bytes, or a message naming the first differing byte and the tensor (or metadata) it is in.</summary>
    private static void AssertSameBytes(string expected, string actual)
    {
        byte[] a = File.ReadAllBytes(expected), b = File.ReadAllBytes(actual);
        int first = a.AsSpan().CommonPrefixLength(b);
        if (first == a.Length && a.Length == b.Length) return;
        var layout = GgufFile.Read(expected);
        string where = first < layout.DataOffset ? "the header, metadata or tensor infos"
            : "tensor " + layout.Tensors.Where(t => layout.DataOffset + (long)t.Offset <= first).MaxBy(t => t.Offset)?.Name;
        Assert.Fail($"{actual} ({b.Length} bytes) differs from llama.cpp's {expected} ({a.Length} bytes) first at byte {first}, in {where}");
    }

    private static readonly ConcurrentDictionary<(string, string), Lazy<string>> Exported = new();

    /// <summary>The file <c>strata quantize</c> writes from the model's checkpoint folder (once per class run).</summary>
    private static string StrataFile(string architecture, string type) => Exported.GetOrAdd((architecture, type), _ => new(() =>
    {
        string file = Path.Combine(TestPaths.NewTemporaryDirectory(), $"{architecture}-{type}.gguf");
        GgufExporter.Export(Models[architecture].Value, file, GgufFileTypes.Parse(type));
        return file;
    })).Value;

    private static readonly ConcurrentDictionary<string, Lazy<string>> LlamaCppQuantized = new();

    /// <summary>llama.cpp's <c>llama_model_quantize</c> of Strata's F32 file into <paramref name="type"/> (all types in one run per model).</summary>
    private static string LlamaCppFile(string architecture, string type)
    {
        string directory = LlamaCppQuantized.GetOrAdd(architecture, _ => new(() =>
        {
            string folder = TestPaths.NewTemporaryDirectory();
            LlamaCppQuantize(StrataFile(architecture, "f32"), LlamaCppTypes.Select(t => (t, Path.Combine(folder, $"{architecture}-{t}.gguf"))));
            return folder;
        })).Value;
        return Path.Combine(directory, $"{architecture}-{type}.gguf");
    }

    private static readonly ConcurrentDictionary<string, JsonNode> LlamaCppResults = new();

    /// <summary>
    /// llama.cpp's prompt log-probs, greedy tokens and top-k per step on <paramref name="file"/> (F32 KV cache, as
    /// Strata's). Remembered by the file's SHA-256: a byte-identical file gives llama.cpp the same input.
    /// </summary>
    private static JsonNode LlamaCpp(string file) => LlamaCppResults.GetOrAdd(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))), _ =>
    {
        var request = new JsonObject
        {
            ["model"] = file,
            ["tokens"] = new JsonArray(Prompt.Select(id => (JsonNode?)id).ToArray()),
            ["greedy"] = GreedyTokens,
            ["top_k"] = TopK,
            // One thread: the model is tiny, ggml's results do not depend on the thread count (checked: identical
            // output with 1 and 2), and two threads' spin-waiting barriers slow it several-fold on a busy machine.
            ["threads"] = 1,
            ["kv_cache_type"] = "F32",
        };
        return JsonNode.Parse(NodeTools.RunScript("llama-cpp-eval.mjs", request.ToJsonString()))!;
    });

    /// <summary>llama.cpp's <c>llama_model_quantize</c> on <paramref name="source"/>, through tests/tools/llama-cpp/quantize.py.</summary>
    private static void LlamaCppQuantize(string source, IEnumerable<(string Type, string Path)> targets)
    {
        string bins = Path.Combine(NodeTools.NodeModules, "@node-llama-cpp", "linux-x64", "bins", "linux-x64");
        if (!Directory.Exists(bins)) throw new InvalidOperationException($"llama.cpp's prebuilt libraries are not at {bins} (npm ci in tests/tools installs them)");
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { Path.Combine(TestPaths.ToolsDirectory, "llama-cpp", "quantize.py"), bins, source })
            start.ArgumentList.Add(argument);
        foreach (var (type, path) in targets)
        {
            start.ArgumentList.Add(type);
            start.ArgumentList.Add(path);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("cannot start python3");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("python3 runs llama.cpp's quantizer (tests/tools/llama-cpp/quantize.py) and is not installed; ./test.sh installs it", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"quantize.py failed ({process.ExitCode}):\n{stdout}{stderr.Result}");
        }
    }

    /// <summary>
    /// A checkpoint folder with random weights drawn wide enough that next-token distributions are peaked: matrices at
    /// std 0.08 (attention scores and MLP activations of order one after RMSNorm), embeddings at 0.2 (logits of std ~3),
    /// norm weights around 1 and, for qwen2, non-zero biases, so that every tensor of the file matters.
    /// </summary>
    private static string RandomModel(ModelConfig config, int seed)
    {
        string directory = TestPaths.NewTemporaryDirectory();
        using var model = LlamaCheckpoint.Create(config, seed: seed);
        using var generator = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.EndsWith("norm.weight", StringComparison.Ordinal)) parameter.normal_(1, 0.2, generator);
                else if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.normal_(0, 0.5, generator);
                else if (name.Contains("embed_tokens", StringComparison.Ordinal) || name.Contains("lm_head", StringComparison.Ordinal)) parameter.normal_(0, 0.2, generator);
                else parameter.normal_(0, 0.08, generator);
            }
        }
        LlamaCheckpoint.Save(model, directory);
        var vocabulary = Enumerable.Range(0, Vocabulary).Select(b => new[] { (byte)b }).ToArray();
        TokenizerJsonWriter.Write(new BpeModel(vocabulary, [], [], BpeModel.Gpt2Pattern), Path.Combine(directory, "tokenizer.json"));
        return directory;
    }
}
