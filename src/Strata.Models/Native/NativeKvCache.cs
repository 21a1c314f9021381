using System.Runtime.InteropServices;
using Strata.Models.Configuration;
using Strata.Models.Inference;

namespace Strata.Models.Native;

/// <summary>How the native runtime stores cached keys and values.</summary>
public enum KvCacheType
{
    /// <summary>float32: exact, twice the memory traffic of F16 on long contexts.</summary>
    F32,

    /// <summary>IEEE half, as llama.cpp stores them by default.</summary>
    F16,
}

/// <summary>Cache slots of one native model; each rented cache owns its memory, which grows with its sequence.</summary>
internal sealed class NativeCachePool(object owner, ModelConfig config, KvCacheType type, int slots) : ISequenceCachePool
{
    private int rented;
    private bool disposed;

    /// <summary>The backend the caches belong to (a cache is only valid with the model that filled it).</summary>
    public object Owner { get; } = owner;

    public ModelConfig Config { get; } = config;

    public KvCacheType Type { get; } = type;

    public int Slots { get; } = slots;

    public int FreeSlots => Slots - rented;

    public ISequenceCache Rent()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (rented == Slots) throw new InvalidOperationException($"all {Slots} K/V cache slots are in use");
        rented++;
        return new NativeSequenceCache(this);
    }

    internal void Return() => rented--;

    public void Dispose() => disposed = true;
}

/// <summary>
/// One sequence's keys and values, one block of native memory laid out [layer][K, V][kv head][…]. Values are
/// [position][head dim]; keys are tiles of 16 positions stored transposed, [position / 16][head dim][16], so attention
/// scores sixteen keys with one broadcast FMA per dimension and no horizontal sums. Capacity (a multiple of 16) doubles
/// as the sequence grows.
/// </summary>
internal sealed unsafe class NativeSequenceCache(NativeCachePool pool) : ISequenceCache
{
    private const int InitialCapacity = 256;
    private readonly int layers = pool.Config.NumHiddenLayers, kvHeads = pool.Config.KeyValueHeads, headDim = pool.Config.HeadDimension;
    private byte* data;
    private bool disposed;

    public NativeCachePool Pool { get; } = pool;

    public int Length { get; private set; }

    public int Capacity { get; private set; }

    /// <summary>The step that last planned this cache (catches one sequence appearing twice in a step).</summary>
    internal long Stamp { get; set; }

    /// <summary>Bytes per stored value (4 for F32, 2 for F16).</summary>
    public int ElementBytes => Pool.Type == KvCacheType.F16 ? 2 : 4;

    /// <summary>Positions per transposed key tile.</summary>
    public const int KeyTile = 16;

    /// <summary>Keys (tiled, see the class remarks) or values of one layer and K/V head: Capacity × head dim elements.</summary>
    public byte* Head(int layer, bool values, int kvHead) =>
        data + ((((long)layer * 2 + (values ? 1 : 0)) * kvHeads + kvHead) * Capacity * headDim) * ElementBytes;

    /// <summary>Room for <paramref name="tokens"/> more; call before a step writes them.</summary>
    public void Reserve(int tokens)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        int needed = Length + tokens;
        if (needed <= Capacity) return;
        int capacity = (Math.Max(Math.Max(InitialCapacity, needed), Capacity * 2) + KeyTile - 1) / KeyTile * KeyTile;
        long bytes = (long)layers * 2 * kvHeads * capacity * headDim * ElementBytes;
        var grown = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        if (data != null)
        {
            // Whole key tiles: a partly filled tile is copied whole (its layout does not depend on capacity).
            long runBytes = (long)(Length + KeyTile - 1) / KeyTile * KeyTile * headDim * ElementBytes;
            for (long run = 0; run < (long)layers * 2 * kvHeads; run++)
            {
                Buffer.MemoryCopy(data + run * Capacity * headDim * ElementBytes, grown + run * capacity * headDim * ElementBytes, runBytes, runBytes);
            }
            NativeMemory.AlignedFree(data);
        }
        data = grown;
        Capacity = capacity;
    }

    public void Advance(int tokens) => Length += tokens;

    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (data != null) NativeMemory.AlignedFree(data);
        data = null;
        Pool.Return();
    }
}
