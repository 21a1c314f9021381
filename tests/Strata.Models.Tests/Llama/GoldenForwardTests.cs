using System.Text.Json;
using Strata.Models.Configuration;
using Strata.Models.Generation;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Native;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Llama;

/// <summary>
/// Both backends' forward passes against an independent numpy reference (tests/tools/llama_reference.py, float64)
/// on tiny checkpoints that the reference itself wrote: RoPE with GQA, Qwen2 biases with tied embeddings,
/// llama3 and linear RoPE scaling (BF16 weights), and ALiBi (F16 weights) beyond its trained length.
/// </summary>
public class GoldenForwardTests
{
    private const double Tolerance = 1e-4;

    public static readonly string[] Names = ["llama-gqa-untied", "qwen2-bias-tied", "llama3-scaling", "linear-scaling-bf16", "alibi"];

    public static TheoryData<string, BackendKind> Cases
    {
        get
        {
            var data = new TheoryData<string, BackendKind>();
            foreach (string name in Names)
            {
                data.Add(name, BackendKind.Torch);
                data.Add(name, BackendKind.Native);
            }
            return data;
        }
    }

    private sealed record Golden(int[] input_ids, double[] token_logprobs, double[] last_logits, int[] greedy);

    private static (IInferenceBackend Backend, Golden Golden) Load(string name, BackendKind kind)
    {
        string dir = Path.Combine(TestPaths.Golden, "models", name);
        var golden = JsonSerializer.Deserialize<Golden>(File.ReadAllText(Path.Combine(dir, "golden.json")))!;
        IInferenceBackend backend = kind == BackendKind.Native
            ? NativeBackend.FromCheckpoint(ModelConfig.Load(dir), dir)
            : new TorchBackend(LlamaCheckpoint.Load(dir), ownsModel: true);
        return (backend, golden);
    }

    [Theory, MemberData(nameof(Cases))]
    public void TokenLogProbsMatchReference(string name, BackendKind kind)
    {
        var (backend, golden) = Load(name, kind);
        using var _ = backend;
        double[] actual = backend.TokenLogProbs(golden.input_ids);
        Assert.Equal(golden.token_logprobs.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(golden.token_logprobs[i] - actual[i]) < Tolerance,
                $"{name}: token {i + 1}: reference {golden.token_logprobs[i]}, Strata {actual[i]}");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void IncrementalPrefillLogitsMatchReference(string name, BackendKind kind)
    {
        var (backend, golden) = Load(name, kind);
        using var _ = backend;
        using var session = new BackendLanguageModel(backend, []).OpenSession();
        // Prefill in two chunks so the cached path with an explicit mask is exercised too.
        session.Append(golden.input_ids[..10]);
        float[] logits = session.Append(golden.input_ids[10..]);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.True(Math.Abs(golden.last_logits[i] - logits[i]) < Tolerance,
                $"{name}: logit {i}: reference {golden.last_logits[i]}, Strata {logits[i]}");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public async Task GreedyDecodingWithKvCacheMatchesReference(string name, BackendKind kind)
    {
        var (backend, golden) = Load(name, kind);
        using var _ = backend;
        var generator = new TextGenerator(new BackendLanguageModel(backend, []), ByteTokenizer.Instance);
        var options = SamplingOptions.Greedy with { MaxTokens = golden.greedy.Length, StopAtEndOfSequence = false };
        var result = await generator.GenerateAsync(golden.input_ids, options);
        Assert.Equal(golden.greedy, result.TokenIds);
    }
}
