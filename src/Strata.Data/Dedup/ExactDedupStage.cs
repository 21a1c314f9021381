using System.Text.Json.Nodes;
using Strata.Data.Pipeline;

namespace Strata.Data.Dedup;

/// <summary>
/// <c>exact_dedup</c>: documents whose normalised text hashes equal (128-bit XXH3, <see cref="ExactDuplicates"/>) are one
/// group; the first in corpus order stays. Fingerprint: the 128-bit hash.
/// </summary>
public sealed class ExactDedupStage(ExactDedupOptions? options = null) : ICorpusStage
{
    private readonly ExactDedupOptions options = options ?? new ExactDedupOptions();

    public string Name => "exact_dedup";

    public int FingerprintWidth => 2;

    public void Fingerprint(Document document, Span<ulong> fingerprint)
    {
        var hash = ExactDuplicates.Hash(document.Text, options);
        fingerprint[0] = (ulong)(hash >> 64);
        fingerprint[1] = (ulong)hash;
    }

    public CorpusDecision Decide(ReadOnlySpan<long> keys, ReadOnlySpan<ulong> fingerprints)
    {
        var index = new ExactDuplicateIndex();
        for (int i = 0; i < keys.Length; i++) index.Add(keys[i], new UInt128(fingerprints[2 * i], fingerprints[2 * i + 1]));
        return DedupReports.Decision(index.Build(), "exact_duplicate");
    }
}

/// <summary>
/// <c>minhash_dedup</c>: near duplicates by MinHash LSH over word 5-gram shingles (14 bands × 8 rows by default),
/// candidates confirmed by their estimated Jaccard, clusters by union-find; the first document of each cluster stays.
/// Fingerprint: the full signature (bands × rows words), fixed-size whatever the document's length.
/// </summary>
public sealed class MinHashDedupStage(MinHashOptions? options = null) : ICorpusStage
{
    private readonly MinHasher hasher = new(options);

    public string Name => "minhash_dedup";

    public int FingerprintWidth => hasher.Options.SignatureLength;

    public void Fingerprint(Document document, Span<ulong> fingerprint) => hasher.Signature(document.Text, fingerprint);

    public CorpusDecision Decide(ReadOnlySpan<long> keys, ReadOnlySpan<ulong> fingerprints)
    {
        var index = new NearDuplicateIndex(hasher.Options);
        int width = FingerprintWidth;
        for (int i = 0; i < keys.Length; i++) index.Add(keys[i], fingerprints.Slice(i * width, width));
        return DedupReports.Decision(index.Build(), "near_duplicate");
    }
}

internal static class DedupReports
{
    private const int ExampleClusters = 20;

    /// <summary>Removed keys and a report: cluster count and size histogram, and the largest clusters' keys.</summary>
    public static CorpusDecision Decision(DedupResult result, string reason)
    {
        var removed = result.Removed.ToDictionary(key => key, _ => reason);
        var sizes = new JsonObject();
        foreach (var group in result.Clusters.GroupBy(c => c.Removed.Count + 1).OrderBy(g => g.Key)) sizes[group.Key.ToString()] = group.Count();
        var largest = new JsonArray(result.Clusters.OrderByDescending(c => c.Removed.Count).ThenBy(c => c.Keep).Take(ExampleClusters)
            .Select(c => (JsonNode)new JsonObject
            {
                ["keep"] = Key(c.Keep),
                ["removed"] = new JsonArray(c.Removed.Take(10).Select(k => (JsonNode)Key(k)).ToArray()),
                ["size"] = c.Removed.Count + 1,
            }).ToArray());
        var report = new JsonObject
        {
            ["documents"] = result.DocumentCount,
            ["clusters"] = result.Clusters.Count,
            ["removed"] = removed.Count,
            ["cluster_sizes"] = sizes,
            ["largest_clusters"] = largest,
            ["key_format"] = "shard:position in that shard's output of the pass before",
        };
        return new CorpusDecision(removed, report);
    }

    private static string Key(long key) => $"{key >> 32}:{key & 0xFFFFFFFF}";
}
