namespace Strata.Data.Dedup;

/// <summary>
/// The global exact-dedup step: collects (document key, <see cref="ExactDuplicates.Hash"/>) pairs from every shard and
/// groups equal hashes. Memory is 24 bytes per document whatever the text length. <see cref="Add"/> is thread-safe.
/// </summary>
public sealed class ExactDuplicateIndex
{
    private readonly object _gate = new();
    private readonly List<(UInt128 Hash, long Key)> _entries = [];

    /// <summary>Number of documents added.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Records one document; keys must be unique.</summary>
    public void Add(long key, UInt128 hash)
    {
        lock (_gate)
        {
            _entries.Add((hash, key));
        }
    }

    /// <summary>Groups the documents with equal hashes, keeping the smallest key of each group.</summary>
    public DedupResult Build()
    {
        (UInt128 Hash, long Key)[] entries;
        lock (_gate)
        {
            entries = [.. _entries];
        }
        // Sorting by (hash, key) makes the result independent of the order shards were added in.
        Array.Sort(entries);
        var clusters = new List<DuplicateCluster>();
        for (int start = 0; start < entries.Length;)
        {
            int end = start + 1;
            while (end < entries.Length && entries[end].Hash == entries[start].Hash)
            {
                if (entries[end].Key == entries[end - 1].Key)
                {
                    throw new InvalidOperationException($"document key {entries[end].Key} was added twice");
                }
                end++;
            }
            if (end - start > 1)
            {
                var removed = new long[end - start - 1];
                for (int i = start + 1; i < end; i++)
                {
                    removed[i - start - 1] = entries[i].Key;
                }
                clusters.Add(new DuplicateCluster(entries[start].Key, removed));
            }
            start = end;
        }
        clusters.Sort((a, b) => a.Keep.CompareTo(b.Keep));
        return new DedupResult(entries.Length, clusters);
    }
}
