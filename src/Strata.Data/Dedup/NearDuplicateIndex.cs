using System.Runtime.InteropServices;

namespace Strata.Data.Dedup;

/// <summary>
/// The global near-dup step: collects each document's band hashes (see <see cref="MinHasher.BandHashes"/>), buckets
/// documents per band, and joins every pair sharing a bucket with union-find, so a cluster is a connected component of
/// the candidate graph. Documents added with <see cref="Add"/> keep their signature (8·b·r bytes) so candidate pairs
/// are verified against <see cref="MinHashOptions.Threshold"/> before joining; documents added with
/// <see cref="AddBands"/> cost 8·(b + 1) bytes and are joined on any shared band. Memory grows with the number of
/// documents, never their length. Both methods are thread-safe; use one of them for a whole corpus.
/// </summary>
public sealed class NearDuplicateIndex
{
    private readonly object _gate = new();
    private readonly List<long> _keys = [];
    private readonly List<ulong> _bands = [];
    private readonly List<ulong> _signatures = [];

    /// <summary>Creates an empty index for signatures made with <paramref name="options"/>.</summary>
    public NearDuplicateIndex(MinHashOptions? options = null) => Options = options ?? new MinHashOptions();

    /// <summary>The settings signatures must have been made with.</summary>
    public MinHashOptions Options { get; }

    /// <summary>Number of documents added.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _keys.Count;
            }
        }
    }

    /// <summary>Records a document by its full MinHash signature (candidates verified); keys must be unique.</summary>
    public void Add(long key, ReadOnlySpan<ulong> signature)
    {
        Span<ulong> bands = stackalloc ulong[Options.Bands];
        MinHasher.WriteBandHashes(signature, bands, Options);
        lock (_gate)
        {
            if (_signatures.Count != _keys.Count * Options.SignatureLength)
            {
                throw new InvalidOperationException("this index holds band hashes only: add every document with AddBands");
            }
            _keys.Add(key);
            _bands.AddRange(bands);
            _signatures.AddRange(signature);
        }
    }

    /// <summary>Records a document by its band hashes (<see cref="MinHasher.BandHashes"/>); keys must be unique.</summary>
    public void AddBands(long key, ReadOnlySpan<ulong> bandHashes)
    {
        if (bandHashes.Length != Options.Bands)
        {
            throw new ArgumentException($"expected {Options.Bands} band hashes", nameof(bandHashes));
        }
        lock (_gate)
        {
            if (_signatures.Count > 0)
            {
                throw new InvalidOperationException("this index holds signatures: add every document with Add");
            }
            _keys.Add(key);
            _bands.AddRange(bandHashes);
        }
    }

    /// <summary>Clusters the candidates and keeps the smallest key of each cluster. Call after every Add has returned.</summary>
    public DedupResult Build()
    {
        long[] keys;
        lock (_gate)
        {
            keys = [.. _keys];
        }
        // The lists are read in place rather than copied: signatures are the bulk of the memory. Build must not race Add.
        ReadOnlySpan<ulong> bands = CollectionsMarshal.AsSpan(_bands);
        ReadOnlySpan<ulong> signatures = CollectionsMarshal.AsSpan(_signatures);
        bool verify = signatures.Length > 0;
        if (verify && signatures.Length != keys.Length * Options.SignatureLength)
        {
            throw new InvalidOperationException("documents were added both with and without signatures");
        }
        int count = keys.Length;
        int b = Options.Bands;
        // Work in corpus order: position p holds the p-th smallest key, so the smallest position is the key to keep.
        var order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }
        Array.Sort((long[])keys.Clone(), order);

        var parent = new int[count];
        for (int i = 0; i < count; i++)
        {
            parent[i] = i;
        }
        // Per band: bucket heads plus a chain through earlier members, so a document that fails verification against
        // the first member of its bucket can still join a later one.
        var headOfBucket = new Dictionary<ulong, int>(count);
        var previousInBucket = new int[count];
        for (int band = 0; band < b; band++)
        {
            headOfBucket.Clear();
            for (int position = 0; position < count; position++)
            {
                ulong bucket = bands[(order[position] * b) + band];
                if (!headOfBucket.TryGetValue(bucket, out int head))
                {
                    headOfBucket[bucket] = position;
                    previousInBucket[position] = -1;
                    continue;
                }
                if (!verify)
                {
                    Union(parent, head, position);
                    continue;
                }
                previousInBucket[position] = head;
                headOfBucket[bucket] = position;
                int compared = 0;
                for (int other = head; other >= 0 && compared < MaxComparisons; other = previousInBucket[other], compared++)
                {
                    if (Find(parent, other) == Find(parent, position))
                    {
                        break;
                    }
                    if (EstimatedJaccard(signatures, order[other], order[position]) >= Options.Threshold)
                    {
                        Union(parent, other, position);
                        break;
                    }
                }
            }
        }

        var members = new Dictionary<int, List<long>>();
        for (int position = 0; position < count; position++)
        {
            int root = Find(parent, position);
            if (root != position)
            {
                long key = keys[order[position]];
                if (key == keys[order[position - 1]])
                {
                    throw new InvalidOperationException($"document key {key} was added twice");
                }
                if (!members.TryGetValue(root, out var list))
                {
                    members[root] = list = [];
                }
                list.Add(key);
            }
        }
        var clusters = new List<DuplicateCluster>(members.Count);
        foreach (var (root, removed) in members.OrderBy(pair => pair.Key))
        {
            clusters.Add(new DuplicateCluster(keys[order[root]], removed));
        }
        return new DedupResult(count, clusters);
    }

    // Bounds the work a huge bucket (e.g. thousands of boilerplate pages) can cost per document and band.
    private const int MaxComparisons = 32;

    private double EstimatedJaccard(ReadOnlySpan<ulong> signatures, int x, int y)
    {
        int length = Options.SignatureLength;
        var a = signatures.Slice(x * length, length);
        var b = signatures.Slice(y * length, length);
        int equal = 0;
        for (int i = 0; i < length; i++)
        {
            equal += a[i] == b[i] ? 1 : 0;
        }
        return equal / (double)length;
    }

    private static int Find(int[] parent, int x)
    {
        while (parent[x] != x)
        {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    private static void Union(int[] parent, int x, int y)
    {
        int rx = Find(parent, x);
        int ry = Find(parent, y);
        // The smaller position becomes the root, so every root is its cluster's first document.
        if (rx < ry)
        {
            parent[ry] = rx;
        }
        else if (ry < rx)
        {
            parent[rx] = ry;
        }
    }
}
