using System.Text.Json.Nodes;

namespace Strata.Data.Pipeline;

/// <summary>
/// A stage that must see the whole corpus before it can decide about any document: deduplication. It runs in two
/// steps so that only the second is global: <see cref="Fingerprint"/> per document, on every shard in parallel
/// (fixed-size, so memory grows with the number of documents, not their length), then <see cref="Decide"/> once
/// over all fingerprints. On a cluster the first step is a map over shards and the second a single reduce.
/// </summary>
public interface ICorpusStage
{
    /// <summary>Short stable name, used in reports and configuration (e.g. <c>minhash_dedup</c>).</summary>
    string Name { get; }

    /// <summary>Number of 64-bit words in every fingerprint.</summary>
    int FingerprintWidth { get; }

    /// <summary>Writes the fingerprint of one document into <paramref name="fingerprint"/>. Thread-safe.</summary>
    void Fingerprint(Document document, Span<ulong> fingerprint);

    /// <summary>
    /// Decides which documents to remove. <paramref name="keys"/> are in corpus order (ascending); the fingerprint of
    /// <c>keys[i]</c> is <c>fingerprints[i*width .. (i+1)*width]</c>. Documents removed by earlier stages are absent.
    /// </summary>
    CorpusDecision Decide(ReadOnlySpan<long> keys, ReadOnlySpan<ulong> fingerprints);
}

/// <summary>A corpus stage's decision.</summary>
/// <param name="Removed">Key → reason (e.g. <c>near_duplicate</c>) of every document to drop.</param>
/// <param name="Report">Stage-specific summary for report.json (e.g. cluster sizes and examples).</param>
public sealed record CorpusDecision(IReadOnlyDictionary<long, string> Removed, JsonNode? Report);
