using System.IO.Hashing;
using System.Text;

namespace Strata.Data.Audit;

/// <summary>
/// MinHash with banded locality-sensitive hashing over word shingles: finds pairs whose Jaccard similarity is
/// likely high without comparing every pair, then confirms each candidate with the exact Jaccard. Kept small and
/// local to the audit on purpose.
/// </summary>
internal sealed class NearDuplicateIndex(double threshold, int maxComparisons)
{
    // 32 bands of 4 rows: the S-curve's midpoint is (1/32)^(1/4) ≈ 0.42, well below the usual 0.7 threshold, so
    // true near-duplicates almost never miss a shared bucket; the exact Jaccard removes the extra candidates.
    private const int Bands = 32;
    private const int Rows = 4;
    private readonly Dictionary<(int Band, ulong Key), List<int>> buckets = [];
    private readonly List<HashSet<string>> sets = [];

    /// <summary>Adds a shingle set and returns the earlier items it is a near-duplicate of, with their similarity.</summary>
    public List<(int Other, double Similarity)> Add(HashSet<string> shingles)
    {
        int item = sets.Count;
        sets.Add(shingles);
        var found = new List<(int, double)>();
        if (shingles.Count == 0) return found;
        var signature = Signature(shingles);
        var seen = new HashSet<int>();
        for (int band = 0; band < Bands; band++)
        {
            ulong key = 14695981039346656037UL;
            for (int r = 0; r < Rows; r++) key = (key ^ signature[band * Rows + r]) * 1099511628211UL;
            if (!buckets.TryGetValue((band, key), out var members)) buckets[(band, key)] = members = [];
            // Newest members first: with many copies of one prompt the recent ones are as good as any.
            for (int m = members.Count - 1; m >= 0 && seen.Count < maxComparisons; m--)
            {
                int other = members[m];
                if (!seen.Add(other)) continue;
                double similarity = TextSimilarity.Jaccard(shingles, sets[other]);
                if (similarity >= threshold) found.Add((other, similarity));
            }
            members.Add(item);
        }
        return found;
    }

    private static ulong[] Signature(HashSet<string> shingles)
    {
        var signature = new ulong[Bands * Rows];
        Array.Fill(signature, ulong.MaxValue);
        foreach (string shingle in shingles)
        {
            ulong h = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(shingle));
            for (int i = 0; i < signature.Length; i++)
            {
                ulong v = Mix(h + (ulong)(i + 1) * 0x9E3779B97F4A7C15UL);
                if (v < signature[i]) signature[i] = v;
            }
        }
        return signature;
    }

    /// <summary>SplitMix64's finaliser: one 64-bit hash becomes many independent-looking ones.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
