using Strata.Models.Configuration;
using static TorchSharp.torch;

namespace Strata.Models.Llama;

/// <summary>
/// The keys and values of one sequence's earlier tokens, for every layer. Buffers grow by doubling,
/// so ALiBi models run to any length that fits in memory.
/// </summary>
public sealed class KvCache : IDisposable
{
    public KvCache(ModelConfig config, int initialCapacity, Device device, ScalarType dtype)
    {
        Layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(_ => new LayerKvCache(config.KeyValueHeads, config.HeadDimension, Math.Max(1, initialCapacity), device, dtype))
            .ToArray();
    }

    public IReadOnlyList<LayerKvCache> Layers { get; }

    /// <summary>Tokens held.</summary>
    public long Length { get; private set; }

    internal void Advance(long tokens) => Length += tokens;

    /// <summary>Forgets everything after the first <paramref name="length"/> tokens (e.g. to reuse a shared prompt prefix).</summary>
    public void Truncate(long length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        foreach (var layer in Layers) layer.Truncate(length);
        Length = length;
    }

    public void Dispose()
    {
        foreach (var layer in Layers) layer.Dispose();
    }
}

/// <summary>One layer's K/V buffers, (1, nkv, capacity, hd), filled up to <c>length</c>.</summary>
public sealed class LayerKvCache : IDisposable
{
    private readonly long kvHeads, headDim;
    private readonly Device device;
    private readonly ScalarType dtype;
    private Tensor keys, values;
    private long length;

    internal LayerKvCache(long kvHeads, long headDim, long capacity, Device device, ScalarType dtype)
    {
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.device = device;
        this.dtype = dtype;
        keys = Allocate(capacity);
        values = Allocate(capacity);
    }

    /// <summary>Appends (1, nkv, T, hd) keys and values; returns views of all (1, nkv, S, hd) held so far.</summary>
    public (Tensor Keys, Tensor Values) Append(Tensor newKeys, Tensor newValues)
    {
        long time = newKeys.shape[2];
        if (newKeys.shape[0] != 1) throw new ArgumentException("a KV cache holds one sequence; batch size must be 1");
        if (length + time > keys.shape[2]) Grow(Math.Max(2 * keys.shape[2], length + time));
        using (no_grad())
        {
            keys.narrow(2, length, time).copy_(newKeys);
            values.narrow(2, length, time).copy_(newValues);
        }
        length += time;
        return (keys.narrow(2, 0, length), values.narrow(2, 0, length));
    }

    internal void Truncate(long newLength) => length = newLength;

    private void Grow(long capacity)
    {
        var biggerKeys = Allocate(capacity);
        var biggerValues = Allocate(capacity);
        using (no_grad())
        {
            biggerKeys.narrow(2, 0, length).copy_(keys.narrow(2, 0, length));
            biggerValues.narrow(2, 0, length).copy_(values.narrow(2, 0, length));
        }
        keys.Dispose();
        values.Dispose();
        keys = biggerKeys;
        values = biggerValues;
    }

    // Detached from any dispose scope: the cache outlives the forward pass that fills it.
    private Tensor Allocate(long capacity) =>
        zeros([1, kvHeads, capacity, headDim], dtype: dtype, device: device).DetachFromDisposeScope();

    public void Dispose()
    {
        keys.Dispose();
        values.Dispose();
    }
}
