using static TorchSharp.torch;

namespace Strata.Models.Llama;

/// <summary>One sequence's share of a batched step: the tokens to append and the cache holding its past.</summary>
public sealed record SequenceChunk(IReadOnlyList<int> Tokens, KvCache Cache);

/// <summary>Where one sequence's tokens sit in a ragged batch, with their position encoding.</summary>
public sealed record RaggedSegment(long Offset, long Length, PositionContext Positions, KvCache Cache);

/// <summary>
/// Sequences of different lengths and histories laid end to end in one (1, N) token row. Linear layers see
/// one long sequence; attention splits it back into segments (see <see cref="LlamaAttention"/>).
/// </summary>
public sealed class RaggedBatch : IDisposable
{
    private RaggedBatch(IReadOnlyList<RaggedSegment> segments, PositionContext shared)
    {
        Segments = segments;
        Shared = shared;
    }

    public IReadOnlyList<RaggedSegment> Segments { get; }

    /// <summary>Each sequence's token count, in order (for splitting the batch along time).</summary>
    public long[] Lengths => lengths ??= Segments.Select(s => s.Length).ToArray();

    private long[]? lengths;

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
        var (shared, perSequence) = encoder.ForRagged(chunks.Select(c => (c.Cache.Length, (long)c.Tokens.Count)).ToArray(), device);
        var segments = new List<RaggedSegment>(chunks.Count);
        long offset = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            segments.Add(new RaggedSegment(offset, chunks[i].Tokens.Count, perSequence[i], chunks[i].Cache));
            offset += chunks[i].Tokens.Count;
        }
        return new RaggedBatch(segments, shared);
    }

    public void Dispose()
    {
        Shared.Dispose();
        foreach (var segment in Segments) segment.Positions.Dispose();
    }
}
