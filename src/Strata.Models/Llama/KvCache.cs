using Strata.Models.Configuration;
using Strata.Models.Inference;
using static TorchSharp.torch;

namespace Strata.Models.Llama;

/// <summary>
/// Keys and values for up to <see cref="Slots"/> sequences of one model, one slot per sequence, every layer held
/// as a single (slots, nkv, capacity, hd) tensor. Sharing the tensor is what lets a batched decode step write the
/// new token of every sequence with one call and attend for all of them with one more (see
/// <see cref="LlamaAttention"/>), instead of a dozen small calls per sequence per layer.
/// </summary>
/// <remarks>
/// Capacity is shared by all slots and grows by doubling to the longest sequence, so ALiBi models run to any
/// length that fits in memory. When the last sequence leaves, the pool shrinks back to its initial capacity, so a
/// single long request does not pin its memory for the life of the server.
/// </remarks>
public sealed class KvCachePool : ISequenceCachePool
{
    private readonly Stack<int> free;
    private readonly long initialCapacity;
    private bool disposed;

    public KvCachePool(ModelConfig config, int slots, int initialCapacity, Device device, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Slots = slots;
        this.initialCapacity = Math.Max(1, initialCapacity);
        Layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(_ => new LayerKvCache(slots, config.KeyValueHeads, config.HeadDimension, this.initialCapacity, device, dtype))
            .ToArray();
        free = new Stack<int>(Enumerable.Range(0, slots).Reverse());
    }

    public int Slots { get; }

    public int FreeSlots => free.Count;

    /// <summary>Tokens each slot can hold before the pool grows.</summary>
    public long Capacity => Layers[0].Capacity;

    internal IReadOnlyList<LayerKvCache> Layers { get; }

    /// <summary>An empty cache in a free slot; disposing it frees the slot.</summary>
    public KvCache Rent()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (free.Count == 0) throw new InvalidOperationException($"all {Slots} K/V cache slots are in use");
        return new KvCache(this, free.Pop(), ownsPool: false);
    }

    ISequenceCache ISequenceCachePool.Rent() => Rent();

    internal void Return(int slot)
    {
        if (disposed) return;
        free.Push(slot);
        if (free.Count == Slots && Capacity > initialCapacity)
        {
            foreach (var layer in Layers) layer.Reallocate(initialCapacity, keep: 0);
        }
    }

    /// <summary>Grows every layer (all slots) so each slot holds at least <paramref name="tokens"/>.</summary>
    internal void Reserve(long tokens)
    {
        long held = Capacity;
        if (tokens <= held) return;
        long capacity = Math.Max(2 * held, tokens);
        foreach (var layer in Layers) layer.Reallocate(capacity, keep: held);
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var layer in Layers) layer.Dispose();
    }
}

/// <summary>The keys and values of one sequence's earlier tokens, for every layer: a slot of a <see cref="KvCachePool"/>.</summary>
public sealed class KvCache : ISequenceCache
{
    private readonly bool ownsPool;
    private bool disposed;

    /// <summary>A cache with a pool of its own, for a sequence decoded alone.</summary>
    public KvCache(ModelConfig config, int initialCapacity, Device device, ScalarType dtype)
        : this(new KvCachePool(config, 1, initialCapacity, device, dtype), 0, ownsPool: true)
    {
    }

    internal KvCache(KvCachePool pool, int slot, bool ownsPool)
    {
        Pool = pool;
        Slot = slot;
        this.ownsPool = ownsPool;
    }

    public KvCachePool Pool { get; }

    /// <summary>Index of this sequence's slot in every layer's tensor.</summary>
    public int Slot { get; }

    /// <summary>Tokens held.</summary>
    public long Length { get; private set; }

    int ISequenceCache.Length => checked((int)Length);

    void ISequenceCache.Truncate(int length) => Truncate(length);

    /// <summary>Makes room for <paramref name="tokens"/> more; call before a forward pass appends them.</summary>
    internal void Reserve(long tokens) => Pool.Reserve(Length + tokens);

    internal void Advance(long tokens) => Length += tokens;

    /// <summary>Writes one layer's keys and values of the new tokens after the ones held; returns all of them.</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor newKeys, Tensor newValues) =>
        Pool.Layers[layer].Append(Slot, Length, newKeys, newValues);

    /// <summary>Forgets everything after the first <paramref name="length"/> tokens (e.g. to reuse a shared prompt prefix).</summary>
    public void Truncate(long length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (ownsPool) Pool.Dispose();
        else Pool.Return(Slot);
    }
}

/// <summary>One layer's K/V buffers for every slot of a pool: (slots, nkv, capacity, hd).</summary>
public sealed class LayerKvCache : IDisposable
{
    private readonly long slots, kvHeads, headDim;
    private readonly Device device;
    private readonly ScalarType dtype;
    private Tensor keys, values;

    internal LayerKvCache(long slots, long kvHeads, long headDim, long capacity, Device device, ScalarType dtype)
    {
        this.slots = slots;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.device = device;
        this.dtype = dtype;
        keys = Allocate(capacity);
        values = Allocate(capacity);
    }

    public long Capacity => keys.shape[2];

    internal long KeyValueHeads => kvHeads;

    internal ScalarType DType => dtype;

    /// <summary>
    /// Writes (1, nkv, T, hd) keys and values at positions start … start+T−1 of one slot; returns views of the
    /// slot's (1, nkv, start+T, hd) keys and values so far. The pool must have been reserved for them.
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int slot, long start, Tensor newKeys, Tensor newValues)
    {
        long time = newKeys.shape[2];
        if (newKeys.shape[0] != 1) throw new ArgumentException("a KV cache slot holds one sequence; batch size must be 1");
        if (start + time > Capacity) throw new InvalidOperationException("K/V cache capacity was not reserved before appending");
        var slotKeys = keys.narrow(0, slot, 1);
        var slotValues = values.narrow(0, slot, 1);
        using (no_grad())
        {
            slotKeys.narrow(2, start, time).copy_(newKeys);
            slotValues.narrow(2, start, time).copy_(newValues);
        }
        return (slotKeys.narrow(2, 0, start + time), slotValues.narrow(2, 0, start + time));
    }

    /// <summary>
    /// The decode step of several slots at once: writes one new token per slot and gathers the slots' keys and
    /// values for attention.
    /// </summary>
    /// <param name="rows">(D·nkv) positions in the flattened (slots·nkv·capacity) row space, see <see cref="DecodeGroup"/>.</param>
    /// <param name="newKeys">(D·nkv, hd) the new keys, sequence-major then head.</param>
    /// <param name="slotIndex">(D) the slots, in the same order.</param>
    /// <param name="length">Longest sequence after the write.</param>
    /// <returns>(D, nkv, length, hd) keys and values; positions past a shorter sequence's end hold stale data to be masked.</returns>
    internal (Tensor Keys, Tensor Values) AppendOneEach(Tensor rows, Tensor newKeys, Tensor newValues, Tensor slotIndex, long length)
    {
        using (no_grad())
        {
            keys.view(-1, headDim).index_copy_(0, rows, newKeys);
            values.view(-1, headDim).index_copy_(0, rows, newValues);
        }
        return (keys.narrow(2, 0, length).index_select(0, slotIndex), values.narrow(2, 0, length).index_select(0, slotIndex));
    }

    /// <summary>Replaces the buffers with ones of <paramref name="capacity"/> tokens, keeping the first <paramref name="keep"/>.</summary>
    internal void Reallocate(long capacity, long keep)
    {
        var newKeys = Allocate(capacity);
        var newValues = Allocate(capacity);
        if (keep > 0)
        {
            using (no_grad())
            {
                newKeys.narrow(2, 0, keep).copy_(keys.narrow(2, 0, keep));
                newValues.narrow(2, 0, keep).copy_(values.narrow(2, 0, keep));
            }
        }
        keys.Dispose();
        values.Dispose();
        keys = newKeys;
        values = newValues;
    }

    // Detached from any dispose scope: the cache outlives the forward pass that fills it.
    private Tensor Allocate(long capacity) =>
        zeros([slots, kvHeads, capacity, headDim], dtype: dtype, device: device).DetachFromDisposeScope();

    public void Dispose()
    {
        keys.Dispose();
        values.Dispose();
    }
}
