using TorchSharp;

namespace Strata.Training.Datasets;

/// <summary>
/// nanoGPT's <c>get_batch</c> made resumable: batch <c>k</c> is B random windows whose start offsets are a pure
/// function of (seed, k), computed with SplitMix64, with no generator state carried between calls. A run resumed
/// at batch k therefore sees exactly the batches an uninterrupted run would. Thread-safe.
/// </summary>
public sealed class BatchSampler
{
    private readonly TokenShard _shard;

    /// <exception cref="ArgumentOutOfRangeException">batchSize or contextLength is not positive, or B·T is too large.</exception>
    /// <exception cref="ArgumentException">The shard has fewer than contextLength + 1 tokens.</exception>
    public BatchSampler(TokenShard shard, int batchSize, int contextLength, long seed)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextLength);
        if ((long)batchSize * contextLength > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch of {batchSize}×{contextLength} tokens is too large");
        RequireWindow(shard, contextLength);
        _shard = shard;
        BatchSize = batchSize;
        ContextLength = contextLength;
        Seed = seed;
    }

    public int BatchSize { get; }
    public int ContextLength { get; }
    public long Seed { get; }

    /// <summary>Start offsets of batch <paramref name="batchIndex"/>'s windows, each uniform in
    /// [0, Length − T − 1] (nanoGPT's <c>torch.randint(len(data) - block_size, (B,))</c>).</summary>
    public long[] WindowOffsets(long batchIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchIndex);
        // Mix(seed) then xor index then Mix again: for a fixed seed distinct indices give distinct streams (Mix is a
        // bijection), and neighbouring indices give unrelated ones.
        var random = new SplitMix64(SplitMix64.Mix(SplitMix64.Mix((ulong)Seed) ^ (ulong)batchIndex));
        ulong starts = (ulong)(_shard.Length - ContextLength);
        var offsets = new long[BatchSize];
        for (int b = 0; b < BatchSize; b++) offsets[b] = (long)random.NextBelow(starts);
        return offsets;
    }

    /// <summary>Batch number <paramref name="batchIndex"/> (0, 1, 2, ... over training).</summary>
    /// <returns>CPU int64 tensors of shape (B, T): Inputs[b] = tokens[o_b .. o_b+T), Targets[b] = tokens[o_b+1 .. o_b+T+1).
    /// The caller owns (disposes) both.</returns>
    public (torch.Tensor Inputs, torch.Tensor Targets) Batch(long batchIndex) =>
        Windows(_shard, WindowOffsets(batchIndex), ContextLength);

    /// <summary>
    /// Non-overlapping windows in order (offsets 0, T, 2T, ...) grouped into batches of up to
    /// <paramref name="batchSize"/> windows, for a full-coverage validation loss: every target token from position 1
    /// to W·T is scored exactly once, where W = ⌊(Length − 1) / T⌋. The trailing (Length − 1) mod T targets that do not
    /// fill a window are dropped, so every window has the full context length. The last batch may hold fewer windows;
    /// weight batch means by their token counts (Inputs.shape[0]·T) to get the per-token mean.
    /// </summary>
    /// <param name="maxTokens">Optional cap on the number of scored tokens: at most ⌊maxTokens / T⌋ windows.</param>
    /// <returns>Lazily created CPU int64 (b, T) tensor pairs; the caller disposes each.</returns>
    /// <exception cref="ArgumentException">The shard has fewer than T + 1 tokens, or maxTokens is below T.</exception>
    public static IEnumerable<(torch.Tensor Inputs, torch.Tensor Targets)> ValidationWindows(TokenShard shard, int contextLength,
        int batchSize, long? maxTokens = null)
    {
        long windows = ValidationWindowCount(shard, contextLength, maxTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if ((long)batchSize * contextLength > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch of {batchSize}×{contextLength} tokens is too large");
        return Enumerate(shard, contextLength, batchSize, windows);
    }

    /// <summary>Number of windows <see cref="ValidationWindows"/> yields in all (each scores T tokens).</summary>
    public static long ValidationWindowCount(TokenShard shard, int contextLength, long? maxTokens = null)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextLength);
        RequireWindow(shard, contextLength);
        long windows = (shard.Length - 1) / contextLength;
        if (maxTokens is long cap)
        {
            if (cap < contextLength)
                throw new ArgumentException($"maxTokens {cap} is smaller than one window of {contextLength} tokens", nameof(maxTokens));
            windows = Math.Min(windows, cap / contextLength);
        }
        return windows;
    }

    private static IEnumerable<(torch.Tensor Inputs, torch.Tensor Targets)> Enumerate(TokenShard shard, int contextLength,
        int batchSize, long windows)
    {
        for (long first = 0; first < windows; first += batchSize)
        {
            int count = (int)Math.Min(batchSize, windows - first);
            var offsets = new long[count];
            for (int b = 0; b < count; b++) offsets[b] = (first + b) * contextLength;
            yield return Windows(shard, offsets, contextLength);
        }
    }

    private static (torch.Tensor Inputs, torch.Tensor Targets) Windows(TokenShard shard, long[] offsets, int contextLength)
    {
        int t = contextLength;
        var inputs = new long[offsets.Length * t];
        var targets = new long[offsets.Length * t];
        var window = new long[t + 1];
        for (int b = 0; b < offsets.Length; b++)
        {
            shard.Read(offsets[b], window);
            window.AsSpan(0, t).CopyTo(inputs.AsSpan(b * t, t));
            window.AsSpan(1, t).CopyTo(targets.AsSpan(b * t, t));
        }
        long[] shape = [offsets.Length, t]; // (B, T)
        var inputTensor = torch.tensor(inputs, shape);
        try
        {
            return (inputTensor, torch.tensor(targets, shape));
        }
        catch
        {
            inputTensor.Dispose();
            throw;
        }
    }

    private static void RequireWindow(TokenShard shard, int contextLength)
    {
        if (shard.Length < (long)contextLength + 1)
            throw new ArgumentException(
                $"{shard.Path} has {shard.Length} tokens; a window of context length {contextLength} needs at least {contextLength + 1}",
                nameof(shard));
    }
}
