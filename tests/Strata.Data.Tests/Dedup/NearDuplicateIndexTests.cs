using Strata.Data.Dedup;
using Xunit.Abstractions;

namespace Strata.Data.Tests.Dedup;

public class NearDuplicateIndexTests(ITestOutputHelper output)
{
    [Fact]
    public void NearCopiesClusterUnderTheSmallestKey()
    {
        string original = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"word{i}"));
        string nearCopy = original.Replace("word100 ", "changed ");
        string unrelated = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"other{i}"));
        var hasher = new MinHasher();
        var index = new NearDuplicateIndex();
        index.Add(9, hasher.Signature(nearCopy));
        index.Add(5, hasher.Signature(unrelated));
        index.Add(3, hasher.Signature(original));
        index.Add(12, hasher.Signature(original));

        var result = index.Build();
        var cluster = Assert.Single(result.Clusters);
        Assert.Equal(3, cluster.Keep);
        Assert.Equal([9L, 12], cluster.Removed);
        Assert.Equal(new HashSet<long> { 9, 12 }, result.Removed);
    }

    [Fact]
    public void WrongSignatureLengthIsRejected()
    {
        var index = new NearDuplicateIndex();
        Assert.Throws<ArgumentException>(() => index.Add(1, new ulong[10]));
        Assert.Throws<ArgumentException>(() => index.AddBands(1, new ulong[10]));
    }

    [Fact]
    public void BandOnlyFingerprintsJoinOnAnySharedBand()
    {
        var hasher = new MinHasher();
        var index = new NearDuplicateIndex();
        index.AddBands(2, hasher.Fingerprint("alpha beta gamma delta epsilon zeta"));
        index.AddBands(1, hasher.Fingerprint("Alpha, beta gamma delta epsilon zeta!"));
        index.AddBands(0, hasher.Fingerprint("something else entirely, five words"));
        Assert.Throws<InvalidOperationException>(() => index.Add(3, hasher.Signature("x")));
        var cluster = Assert.Single(index.Build().Clusters);
        Assert.Equal(new DuplicateCluster(1, [2L]).Keep, cluster.Keep);
        Assert.Equal([2L], cluster.Removed);
    }

    /// <summary>
    /// Real text (Tiny Shakespeare passages) plus mutated copies with known exact 5-gram Jaccard. Truth: documents
    /// joined by a chain of pairs with Jaccard ≥ 0.8 (the threshold the defaults target) belong together; precision and
    /// recall are over pairs of documents placed in one cluster.
    /// </summary>
    [Fact]
    public void LshClustersMatchExactJaccardOnMutatedShakespeare()
    {
        var (texts, words) = MutatedCorpus.Build(TestPaths.TinyShakespeare, basePassages: 150, seed: 11);
        int n = texts.Count;
        var shingles = words.Select(w => ShingleSets.Of(w, 5)).ToArray();

        // Exact Jaccard of every pair sharing at least one shingle, through an inverted index.
        var postings = new Dictionary<string, List<int>>();
        for (int d = 0; d < n; d++)
        {
            foreach (var s in shingles[d])
            {
                if (!postings.TryGetValue(s, out var list))
                {
                    postings[s] = list = [];
                }
                list.Add(d);
            }
        }
        var common = new Dictionary<(int, int), int>();
        foreach (var list in postings.Values)
        {
            for (int i = 0; i < list.Count; i++)
            {
                for (int j = i + 1; j < list.Count; j++)
                {
                    common[(list[i], list[j])] = common.GetValueOrDefault((list[i], list[j])) + 1;
                }
            }
        }
        var truthParent = Enumerable.Range(0, n).ToArray();
        var directTruth = new HashSet<(int, int)>();
        foreach (var ((a, b), c) in common)
        {
            double jaccard = c / (double)(shingles[a].Count + shingles[b].Count - c);
            if (jaccard >= 0.8)
            {
                directTruth.Add((a, b));
                truthParent[Root(truthParent, a)] = Root(truthParent, b);
            }
        }

        // Averaged over four permutation seeds, so that the figure measures the hash family rather than one draw of it.
        double precisionSum = 0, recallSum = 0;
        ulong[] seeds = [1, 2, 3, 4];
        foreach (ulong seed in seeds)
        {
            var (precision, recall) = Measure(new MinHashOptions(Seed: seed));
            precisionSum += precision;
            recallSum += recall;
        }
        double meanPrecision = precisionSum / seeds.Length, meanRecall = recallSum / seeds.Length;
        output.WriteLine($"mean over seeds: precision {meanPrecision:F4} recall {meanRecall:F4}");
        // Measured 0.9073 / 0.9006 (seeded, so deterministic). A mod-(2^61 - 1) family with 32-bit multipliers, nearly
        // monotone in the key, scored 0.891 here, which the precision floor rejects.
        Assert.True(meanPrecision >= 0.90, $"precision {meanPrecision:F4}");
        Assert.True(meanRecall >= 0.88, $"recall {meanRecall:F4}");

        (double Precision, double Recall) Measure(MinHashOptions options)
        {
            var hasher = new MinHasher(options);
            var index = new NearDuplicateIndex(options);
            Parallel.For(0, n, d => index.Add(d, hasher.Signature(texts[d])));
            var result = index.Build();
            var predictedCluster = Enumerable.Range(0, n).ToArray();
            foreach (var cluster in result.Clusters)
            {
                foreach (long removed in cluster.Removed)
                {
                    predictedCluster[removed] = (int)cluster.Keep;
                }
            }

            long tp = 0, fp = 0, fn = 0, directFound = 0;
            for (int a = 0; a < n; a++)
            {
                for (int b = a + 1; b < n; b++)
                {
                    bool truth = Root(truthParent, a) == Root(truthParent, b);
                    bool predicted = predictedCluster[a] == predictedCluster[b];
                    tp += truth && predicted ? 1 : 0;
                    fp += !truth && predicted ? 1 : 0;
                    fn += truth && !predicted ? 1 : 0;
                    directFound += predicted && directTruth.Contains((a, b)) ? 1 : 0;
                }
            }
            double precision = tp / (double)(tp + fp);
            double recall = tp / (double)(tp + fn);
            double directRecall = directFound / (double)directTruth.Count;
            output.WriteLine($"seed {options.Seed}: {n} documents, {directTruth.Count} pairs with Jaccard >= 0.8, {tp + fn} same-component pairs, "
                + $"{result.Clusters.Count} clusters; precision {precision:F4} recall {recall:F4} (direct-pair recall {directRecall:F4})");
            return (precision, recall);
        }
    }

    private static int Root(int[] parent, int x)
    {
        while (parent[x] != x)
        {
            x = parent[x];
        }
        return x;
    }
}
