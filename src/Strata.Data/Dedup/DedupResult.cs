namespace Strata.Data.Dedup;

/// <summary>What a global dedup step decided: the duplicate groups and the keys to remove from the shards.</summary>
public sealed class DedupResult
{
    internal DedupResult(int documentCount, List<DuplicateCluster> clusters)
    {
        DocumentCount = documentCount;
        Clusters = clusters;
        var removed = new HashSet<long>();
        foreach (var cluster in clusters)
        {
            removed.UnionWith(cluster.Removed);
        }
        Removed = removed;
    }

    /// <summary>How many documents the index saw.</summary>
    public int DocumentCount { get; }

    /// <summary>Groups of two or more documents, ordered by <see cref="DuplicateCluster.Keep"/>.</summary>
    public IReadOnlyList<DuplicateCluster> Clusters { get; }

    /// <summary>Keys of every document to remove (all but the first of each group).</summary>
    public IReadOnlySet<long> Removed { get; }
}
