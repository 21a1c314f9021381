using Strata.Training.Datasets;
using TorchSharp;
using static Strata.Training.Tests.Datasets.DataTestSupport;

namespace Strata.Training.Tests.Datasets;

public sealed class BatchSamplerTests
{
    // Token i has value f(i): distinct values, so a window's contents reveal where it starts.
    private static int Value(int i) => (i * 7 + 3) % 60_000;

    private static TokenShard NewShard(int length, out int[] tokens)
    {
        tokens = [.. Enumerable.Range(0, length).Select(Value)];
        return new TokenShard(WriteUInt16(NewDirectory(), "tokens.bin", tokens), TokenDType.UInt16);
    }

    private static long[,] ToArray(torch.Tensor t)
    {
        Assert.Equal(torch.ScalarType.Int64, t.dtype);
        Assert.Equal(2, t.dim());
        var data = t.data<long>().ToArray();
        var result = new long[t.shape[0], t.shape[1]];
        Buffer.BlockCopy(data, 0, result, 0, data.Length * sizeof(long));
        return result;
    }

    /// <summary>Checks a batch against the test's own token array; returns each row's start offset.</summary>
    private static long[] CheckWindows(torch.Tensor inputs, torch.Tensor targets, int[] tokens, int batch, int context)
    {
        Assert.Equal(new long[] { batch, context }, inputs.shape);
        Assert.Equal(new long[] { batch, context }, targets.shape);
        var x = ToArray(inputs);
        var y = ToArray(targets);
        var offsets = new long[batch];
        for (int b = 0; b < batch; b++)
        {
            int o = Array.IndexOf(tokens, (int)x[b, 0]);
            Assert.InRange(o, 0, tokens.Length - context - 1);
            for (int t = 0; t < context; t++)
            {
                Assert.Equal(tokens[o + t], x[b, t]);
                Assert.Equal(tokens[o + t + 1], y[b, t]);
            }
            offsets[b] = o;
        }
        return offsets;
    }

    [Fact]
    public void Batches_are_a_pure_function_of_seed_and_index()
    {
        using var shard = NewShard(5000, out int[] tokens);
        var first = new BatchSampler(shard, batchSize: 8, contextLength: 16, seed: 1234);
        var second = new BatchSampler(shard, batchSize: 8, contextLength: 16, seed: 1234);
        var otherSeed = new BatchSampler(shard, batchSize: 8, contextLength: 16, seed: 1235);

        // The second sampler is used out of order: no hidden state may leak between calls.
        var (early, earlyTargets) = second.Batch(9);
        early.Dispose();
        earlyTargets.Dispose();
        var (x1, y1) = first.Batch(3);
        var (x2, y2) = second.Batch(3);
        var (x3, y3) = first.Batch(4);
        var (x4, y4) = otherSeed.Batch(3);
        using (x1) using (y1) using (x2) using (y2) using (x3) using (y3) using (x4) using (y4)
        {
            var o1 = CheckWindows(x1, y1, tokens, 8, 16);
            Assert.Equal(o1, CheckWindows(x2, y2, tokens, 8, 16));
            Assert.Equal(o1, first.WindowOffsets(3));
            Assert.NotEqual(o1, CheckWindows(x3, y3, tokens, 8, 16));
            Assert.NotEqual(o1, CheckWindows(x4, y4, tokens, 8, 16));
            Assert.Equal(ToArray(x1), ToArray(x2));
            Assert.Equal(ToArray(y1), ToArray(y2));
        }
    }

    [Fact]
    public void Offsets_cover_every_start_including_the_last_and_stay_in_range()
    {
        const int context = 10;
        using var shard = NewShard(context + 4, out int[] tokens); // valid starts: 0, 1, 2, 3
        var sampler = new BatchSampler(shard, batchSize: 4, contextLength: context, seed: 7);
        var seen = new HashSet<long>();
        for (long index = 0; index < 50; index++)
        {
            var (x, y) = sampler.Batch(index);
            using (x) using (y) seen.UnionWith(CheckWindows(x, y, tokens, 4, context));
        }
        Assert.Equal(new HashSet<long> { 0, 1, 2, 3 }, seen);
    }

    [Fact]
    public void Offsets_look_uniform_over_a_large_shard()
    {
        using var shard = NewShard(1001, out _);
        var sampler = new BatchSampler(shard, batchSize: 64, contextLength: 1, seed: 42);
        var histogram = new int[10];
        for (long index = 0; index < 250; index++)
            foreach (long o in sampler.WindowOffsets(index)) histogram[o / 100]++;
        // 16000 draws into 10 bins of 1600 expected each; 5 standard deviations is about ±190.
        Assert.All(histogram, count => Assert.InRange(count, 1400, 1800));
    }

    [Fact]
    public void Shard_shorter_than_a_window_is_rejected()
    {
        using var shard = NewShard(16, out _);
        var error = Assert.Throws<ArgumentException>(() => new BatchSampler(shard, 2, contextLength: 16, seed: 0));
        Assert.Contains("16 tokens", error.Message);
        Assert.Throws<ArgumentException>(() => BatchSampler.ValidationWindows(shard, 16, 2));
        _ = new BatchSampler(shard, 2, contextLength: 15, seed: 0);
    }

    [Fact]
    public void Validation_windows_tile_the_shard_in_order()
    {
        const int context = 10;
        using var shard = NewShard(103, out int[] tokens); // (103 - 1) / 10 = 10 windows; targets 101, 102 dropped
        var batches = BatchSampler.ValidationWindows(shard, context, batchSize: 4).ToList();
        try
        {
            Assert.Equal([4L, 4L, 2L], batches.Select(b => b.Inputs.shape[0]));
            var starts = batches.SelectMany(b => CheckWindows(b.Inputs, b.Targets, tokens, (int)b.Inputs.shape[0], context));
            Assert.Equal(Enumerable.Range(0, 10).Select(w => (long)w * context), starts);
            Assert.Equal(10, BatchSampler.ValidationWindowCount(shard, context));
        }
        finally
        {
            foreach (var (x, y) in batches)
            {
                x.Dispose();
                y.Dispose();
            }
        }

        Assert.Equal(3, BatchSampler.ValidationWindowCount(shard, context, maxTokens: 35));
        var capped = BatchSampler.ValidationWindows(shard, context, batchSize: 2, maxTokens: 35).ToList();
        Assert.Equal([2L, 1L], capped.Select(b => b.Inputs.shape[0]));
        foreach (var (x, y) in capped)
        {
            x.Dispose();
            y.Dispose();
        }
        Assert.Throws<ArgumentException>(() => BatchSampler.ValidationWindows(shard, context, 2, maxTokens: 5));
    }

    [Fact]
    public void Shard_reads_uint32_and_rejects_ranges_outside_it()
    {
        int[] tokens = [0, 65_535, 65_536, 70_000, 1 << 20];
        using var shard = new TokenShard(WriteUInt32(NewDirectory(), "big.bin", tokens), TokenDType.UInt32);
        Assert.Equal(5, shard.Length);
        Assert.Equal(tokens.Select(t => (long)t), shard.ReadAll());
        var middle = new long[2];
        shard.Read(2, middle);
        Assert.Equal([65_536L, 70_000L], middle);
        Assert.Throws<ArgumentOutOfRangeException>(() => shard.Read(4, new long[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => shard.Read(-1, new long[1]));

        string odd = Path.Combine(NewDirectory(), "odd.bin");
        File.WriteAllBytes(odd, [1, 2, 3]);
        Assert.Contains(odd, Assert.Throws<InvalidDataException>(() => new TokenShard(odd, TokenDType.UInt16)).Message);
        using var empty = new TokenShard(WriteUInt16(NewDirectory(), "empty.bin", []), TokenDType.UInt16);
        Assert.Equal(0, empty.Length);
    }
}
