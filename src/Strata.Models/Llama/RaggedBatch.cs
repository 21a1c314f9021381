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
    private RaggedBatch(IReadOnlyList<RaggedSegment> segments) => Segments = segments;

    public IReadOnlyList<RaggedSegment> Segments { get; }

    public int Count => Segments.Count;

    public RaggedSegment this[int index] => Segments[index];

    internal static RaggedBatch Build(IReadOnlyList<SequenceChunk> chunks, PositionEncoder encoder, Device device)
    {
        var segments = new List<RaggedSegment>(chunks.Count);
        var seen = new HashSet<KvCache>(ReferenceEqualityComparer.Instance);
        long offset = 0;
        foreach (var chunk in chunks)
        {
            if (chunk.Tokens.Count == 0) throw new ArgumentException("every chunk needs at least one token");
            if (!seen.Add(chunk.Cache)) throw new ArgumentException("two chunks share one cache; a sequence may appear once per step");
            var positions = encoder.For(chunk.Cache.Length, chunk.Tokens.Count, device);
            segments.Add(new RaggedSegment(offset, chunk.Tokens.Count, positions, chunk.Cache));
            offset += chunk.Tokens.Count;
        }
        return new RaggedBatch(segments);
    }

    public void Dispose()
    {
        foreach (var segment in Segments) segment.Positions.Dispose();
    }
}
