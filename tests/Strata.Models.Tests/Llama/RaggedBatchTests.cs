using System.Text.Json;
using Strata.Models.Generation;
using Strata.Models.Llama;
using static TorchSharp.torch;

namespace Strata.Models.Tests.Llama;

/// <summary>
/// Continuous batching's forward pass: sequences at different points (mid-prompt, fresh, decoding) stepped
/// together must each get the logits the independent numpy reference computed for that sequence alone.
/// </summary>
public class RaggedBatchTests
{
    private const double Tolerance = 1e-4;

    private sealed record Golden(int[] input_ids, double[] token_logprobs, double[] last_logits, int[] greedy);

    public static TheoryData<string, bool> CasesWithAndWithoutPool()
    {
        var cases = new TheoryData<string, bool>();
        foreach (string name in GoldenForwardTests.Names)
        {
            cases.Add(name, false);
            cases.Add(name, true);
        }
        return cases;
    }

    /// <param name="pooled">Caches in one pool, so decode tokens attend as one group (RoPE models); otherwise
    /// each cache has its own pool and every sequence takes the per-sequence path.</param>
    [Theory, MemberData(nameof(CasesWithAndWithoutPool))]
    public void MixedChunksMatchTheReferenceForEverySequence(string name, bool pooled)
    {
        string dir = Path.Combine(TestPaths.Golden, "models", name);
        var golden = JsonSerializer.Deserialize<Golden>(File.ReadAllText(Path.Combine(dir, "golden.json")))!;
        using var model = LlamaCheckpoint.Load(dir);
        using var inference = inference_mode();
        int[] ids = golden.input_ids;
        // A capacity of 4 makes the caches grow mid-run, while other sequences' keys are held.
        using var pool = model.NewCachePool(3, initialCapacity: 4);
        using var a = pooled ? pool.Rent() : model.NewCache(4);
        using var b = pooled ? pool.Rent() : model.NewCache(4);
        using var c = pooled ? pool.Rent() : model.NewCache(4);

        Step(model, new SequenceChunk(ids[..10], a));
        // a finishes its prompt while b starts one and c takes its first token.
        var step = Step(model, new SequenceChunk(ids[10..], a), new SequenceChunk(ids[..7], b), new SequenceChunk(ids[..1], c));
        AssertClose(golden.last_logits, step[0], $"{name}: a");
        AssertClose([golden.token_logprobs[0]], [LogSoftmax(step[2])[ids[1]]], $"{name}: c");
        step = Step(model, new SequenceChunk(ids[7..], b), new SequenceChunk(ids[1..3], c));
        AssertClose(golden.last_logits, step[0], $"{name}: b");
        AssertClose([golden.token_logprobs[2]], [LogSoftmax(step[1])[ids[3]]], $"{name}: c");

        // Greedy decoding of a and b side by side reproduces the reference's continuation for each.
        // a and b now hold the same prompt, so b's logits give both their first token; a runs one step ahead,
        // so the two decode tokens sit at different lengths. Meanwhile c goes on through the prompt in front of
        // them, two tokens a step, then one (a third decode-shaped token).
        int first = Sampler.ArgMax(step[0]);
        var greedyA = new List<int> { first };
        var greedyB = new List<int> { first };
        greedyA.Add(Sampler.ArgMax(Step(model, new SequenceChunk([first], a))[0]));
        while (greedyB.Count < golden.greedy.Length)
        {
            var chunks = new List<SequenceChunk>();
            int cTake = (int)Math.Min(ids.Length - c.Length, c.Length % 2 == 1 ? 2 : 1);
            if (cTake > 0) chunks.Add(new SequenceChunk(ids[(int)c.Length..((int)c.Length + cTake)], c));
            chunks.Add(new SequenceChunk([greedyB[^1]], b));
            if (greedyA.Count < golden.greedy.Length) chunks.Add(new SequenceChunk([greedyA[^1]], a));
            var rows = Step(model, [.. chunks]);
            int row = 0;
            if (cTake > 0 && c.Length == ids.Length) AssertClose(golden.last_logits, rows[row], $"{name}: c");
            if (cTake > 0) row++;
            greedyB.Add(Sampler.ArgMax(rows[row++]));
            if (row < rows.Length) greedyA.Add(Sampler.ArgMax(rows[row]));
        }
        Assert.Equal(golden.greedy, greedyA);
        Assert.Equal(golden.greedy, greedyB);
        Assert.Equal(ids.Length + golden.greedy.Length - 1, a.Length);
        Assert.Equal(ids.Length, c.Length);
    }

    [Fact]
    public void APoolLendsEachSlotOnceAndShrinksWhenEmpty()
    {
        using var model = LlamaCheckpoint.Create(Strata.Models.Configuration.ModelPresets.Tiny(64), seed: 1);
        using var inference = inference_mode();
        using var pool = model.NewCachePool(2, initialCapacity: 4);
        var a = pool.Rent();
        var b = pool.Rent();
        Assert.NotEqual(a.Slot, b.Slot);
        Assert.Throws<InvalidOperationException>(() => pool.Rent());
        Step(model, new SequenceChunk(Enumerable.Range(1, 9).ToArray(), a));
        Assert.True(pool.Capacity >= 9);
        a.Dispose();
        a.Dispose();   // a second dispose must not free the slot twice
        Assert.Equal(1, pool.FreeSlots);
        b.Dispose();
        Assert.Equal((2, 4L), (pool.FreeSlots, pool.Capacity));
    }

    [Fact]
    public void ASequenceMayAppearOnlyOncePerStep()
    {
        using var model = LlamaCheckpoint.Create(Strata.Models.Configuration.ModelPresets.Tiny(64), seed: 1);
        using var cache = model.NewCache();
        var error = Assert.Throws<ArgumentException>(() => model.StepLogits([new SequenceChunk([1], cache), new SequenceChunk([2], cache)]));
        Assert.Contains("share one cache", error.Message);
    }

    private static float[][] Step(LlamaForCausalLM model, params SequenceChunk[] chunks)
    {
        using var scope = NewDisposeScope();
        var logits = model.StepLogits(chunks).to_type(ScalarType.Float32).cpu();
        return Enumerable.Range(0, chunks.Length).Select(i => logits[i].data<float>().ToArray()).ToArray();
    }

    private static double[] LogSoftmax(float[] logits)
    {
        double max = logits.Max();
        double logSum = Math.Log(logits.Sum(v => Math.Exp(v - max))) + max;
        return logits.Select(v => v - logSum).ToArray();
    }

    private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<float> actual, string what) =>
        AssertClose(expected, actual.Select(v => (double)v).ToArray(), what);

    private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < Tolerance, $"{what}: index {i}: reference {expected[i]}, Strata {actual[i]}");
        }
    }
}
