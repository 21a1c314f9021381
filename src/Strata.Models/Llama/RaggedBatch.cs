using static TorchSharp.torch;

namespace Strata.Models.Llama;

/// <summary>One sequence's share of a batched step: the tokens to append and the cache holding its past.</summary>
public sealed record SequenceChunk(IReadOnlyList<int> Tokens, KvCache Cache);

/// <summary>Where one sequence's tokens sit in a ragged batch, with their position encoding.</summary>
public sealed record RaggedSegment(long Offset, SequenceChunk Chunk, PositionContext Positions)
{
    public long Length => Chunk.Tokens.Count;

    public KvCache Cache => Chunk.Cache;
}

/// <summary>
/// Sequences of different lengths and histories laid end to end in one (1, N) token row. Linear layers see
/// one long sequence; attention splits it back into segments (see <see cref="LlamaAttention"/>).
/// </summary>
/// <remarks>
/// Single-token (decode) segments whose caches share a <see cref="KvCachePool"/> are laid out first and attended
/// together as a <see cref="DecodeGroup"/>; the rest keep the per-sequence path. <see cref="Segments"/> is in layout
/// order; <see cref="SegmentOfChunk"/> maps the caller's order onto it.
/// </remarks>
public sealed class RaggedBatch : IDisposable
{
    private RaggedBatch(IReadOnlyList<RaggedSegment> segments, int[] segmentOfChunk, PositionContext shared, DecodeGroup? decode)
    {
        Segments = segments;
        SegmentOfChunk = segmentOfChunk;
        Shared = shared;
        Decode = decode;
        int first = decode?.Count ?? 0;
        AttentionSplits = (decode is null ? [] : new[] { (long)decode.Count })
            .Concat(segments.Skip(first).Select(s => s.Length)).ToArray();
    }

    /// <summary>Segments in layout order: the decode group's first.</summary>
    public IReadOnlyList<RaggedSegment> Segments { get; }

    /// <summary>For the i-th chunk given to <see cref="Build"/>, the index of its segment.</summary>
    public IReadOnlyList<int> SegmentOfChunk { get; }

    /// <summary>The decode segments attended as one, or null when fewer than two qualify.</summary>
    public DecodeGroup? Decode { get; }

    /// <summary>How attention splits the N tokens: the decode group as one piece, then each other sequence.</summary>
    public long[] AttentionSplits { get; }

    /// <summary>RoPE tables of all N tokens (applied to the whole batch at once); empty for ALiBi.</summary>
    public PositionContext Shared { get; }

    public int Count => Segments.Count;

    public RaggedSegment this[int index] => Segments[index];

    internal static RaggedBatch Build(IReadOnlyList<SequenceChunk> chunks, PositionEncoder encoder, Device device)
    {
        var seen = new HashSet<KvCache>(ReferenceEqualityComparer.Instance);
        foreach (var chunk in chunks)
        {
            if (chunk.Tokens.Count == 0) throw new ArgumentException("every chunk needs at least one token");
            if (!seen.Add(chunk.Cache)) throw new ArgumentException("two chunks share one cache; a sequence may appear once per step");
        }
        // Every growth happens before any index into a pool is computed: the decode group's rows depend on capacity.
        foreach (var chunk in chunks) chunk.Cache.Reserve(chunk.Tokens.Count);

        // Decode tokens of one pool go first, in the caller's order; ALiBi's per-head bias keeps the per-sequence path.
        var decodePool = encoder.UsesRope
            ? chunks.Where(c => c.Tokens.Count == 1).GroupBy(c => c.Cache.Pool).Where(g => g.Count() >= 2).MaxBy(g => g.Count())?.Key
            : null;
        bool InGroup(SequenceChunk c) => c.Tokens.Count == 1 && ReferenceEquals(c.Cache.Pool, decodePool);
        var order = Enumerable.Range(0, chunks.Count).OrderBy(i => InGroup(chunks[i]) ? 0 : 1).ToArray();   // stable
        var laidOut = order.Select(i => chunks[i]).ToArray();

        var (shared, perSequence) = encoder.ForRagged(laidOut.Select(c => (c.Cache.Length, (long)c.Tokens.Count)).ToArray(), device);
        var segments = new List<RaggedSegment>(chunks.Count);
        var segmentOfChunk = new int[chunks.Count];
        long offset = 0;
        for (int i = 0; i < laidOut.Length; i++)
        {
            segments.Add(new RaggedSegment(offset, laidOut[i], perSequence[i]));
            segmentOfChunk[order[i]] = i;
            offset += laidOut[i].Tokens.Count;
        }
        var decode = decodePool is null ? null : DecodeGroup.Build(laidOut.TakeWhile(InGroup).Select(c => c.Cache).ToArray(), device);
        return new RaggedBatch(segments, segmentOfChunk, shared, decode);
    }

    public void Dispose()
    {
        Shared.Dispose();
        Decode?.Dispose();
        foreach (var segment in Segments) segment.Positions.Dispose();
    }
}

/// <summary>
/// Sequences of one <see cref="KvCachePool"/> each taking one decode token, attended together: the index tensors and
/// the length mask are built once per step and reused by every layer.
/// </summary>
public sealed class DecodeGroup : IDisposable
{
    private DecodeGroup(KvCachePool pool, int count, long longest, Tensor slots, Tensor rows, Tensor mask)
    {
        Pool = pool;
        Count = count;
        Longest = longest;
        Slots = slots;
        Rows = rows;
        Mask = mask;
    }

    public KvCachePool Pool { get; }

    public int Count { get; }

    /// <summary>Tokens held by the longest sequence once this step's token is written.</summary>
    public long Longest { get; }

    /// <summary>(D) slot of each sequence.</summary>
    public Tensor Slots { get; }

    /// <summary>(D·nkv) where each sequence's new key goes, per K/V head, in a layer's tensor viewed as (slots·nkv·capacity, hd).</summary>
    public Tensor Rows { get; }

    /// <summary>(D, 1, 1, Longest) additive mask: 0 up to each sequence's own length, −∞ past it.</summary>
    public Tensor Mask { get; }

    internal static DecodeGroup Build(IReadOnlyList<KvCache> caches, Device device)
    {
        var pool = caches[0].Pool;
        long kvHeads = pool.Layers[0].KeyValueHeads;
        long capacity = pool.Capacity, longest = caches.Max(c => c.Length) + 1;
        var rows = new long[caches.Count * kvHeads];
        var mask = new float[caches.Count * longest];
        for (int d = 0; d < caches.Count; d++)
        {
            for (long h = 0; h < kvHeads; h++) rows[d * kvHeads + h] = (caches[d].Slot * kvHeads + h) * capacity + caches[d].Length;
            // Built from a managed array: TorchSharp's temporary Scalars (masked_fill(-inf)) can be finalized early.
            for (long j = caches[d].Length + 1; j < longest; j++) mask[d * longest + j] = float.NegativeInfinity;
        }
        var slots = tensor(caches.Select(c => (long)c.Slot).ToArray(), device: device);
        return new DecodeGroup(pool, caches.Count, longest, slots, tensor(rows, device: device), tensor(mask, [caches.Count, 1, 1, longest]).to(pool.Layers[0].DType).to(device));
    }

    public void Dispose()
    {
        Slots.Dispose();
        Rows.Dispose();
        Mask.Dispose();
    }
}
