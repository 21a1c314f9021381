using Strata.Data.Dedup;

namespace Strata.Data.Audit;

/// <summary>
/// The audit's incremental near-duplicate search over prompts: each prompt's MinHash signature (the pipeline's
/// <see cref="MinHasher"/>, over the audit's word shingles) goes into banded buckets, and every earlier prompt sharing
/// a bucket is confirmed with the exact Jaccard of the shingle sets, which is reported with the pair. Unlike the
/// pipeline's dedup, which clusters a whole corpus at once, this answers "which earlier prompts is this one like".
/// </summary>
internal sealed class NearDuplicateIndex
{
    private readonly double threshold;
    private readonly int maxComparisons, shingleWords;
    private readonly MinHasher hasher;
    private readonly Dictionary<(int Band, ulong Key), List<int>> buckets = [];
    private readonly List<HashSet<string>> sets = [];

    /// <param name="threshold">Least exact Jaccard of two prompts' shingle sets to report them.</param>
    /// <param name="maxComparisons">Candidates confirmed per prompt at most, so thousands of copies stay cheap.</param>
    /// <param name="shingleWords">Words per shingle.</param>
    public NearDuplicateIndex(double threshold, int maxComparisons, int shingleWords)
    {
        (this.threshold, this.maxComparisons, this.shingleWords) = (threshold, maxComparisons, shingleWords);
        // 32 bands of 4 rows: the S-curve's midpoint is (1/32)^(1/4) ≈ 0.42, well below the usual 0.7 threshold, so
        // true near-duplicates almost never miss a shared bucket; the exact Jaccard removes the extra candidates.
        hasher = new MinHasher(new MinHashOptions(NGram: shingleWords, Bands: 32, Rows: 4, StripPunctuation: false));
    }

    /// <summary>Adds a prompt's normalised words; returns the earlier prompts it is a near duplicate of, with their similarity.</summary>
    public List<(int Other, double Similarity)> Add(IReadOnlyList<string> words)
    {
        var shingles = TextSimilarity.Shingles(words, shingleWords);
        int item = sets.Count;
        sets.Add(shingles);
        var found = new List<(int, double)>();
        if (shingles.Count == 0) return found;
        // The words are already lower case without punctuation, so the hasher sees exactly these shingles.
        var bands = hasher.BandHashes(hasher.Signature(string.Join(' ', words)));
        var seen = new HashSet<int>();
        for (int band = 0; band < bands.Length; band++)
        {
            if (!buckets.TryGetValue((band, bands[band]), out var members)) buckets[(band, bands[band])] = members = [];
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
}
