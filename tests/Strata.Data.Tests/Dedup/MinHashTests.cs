using Strata.Data.Dedup;

namespace Strata.Data.Tests.Dedup;

public class MinHashTests
{
    private static readonly string[] Vocabulary = [.. Enumerable.Range(0, 500).Select(i => $"w{i}")];

    [Fact]
    public void CandidateProbabilityMatchesTheBandingFormula()
    {
        // 1 - (1 - s^8)^14 worked out independently (Python floats).
        var options = new MinHashOptions();
        Assert.Equal(0.0533204, options.CandidateProbability(0.5), 6);
        Assert.Equal(0.5645040, options.CandidateProbability(0.7), 6);
        Assert.Equal(0.9235476, options.CandidateProbability(0.8), 6);
        Assert.Equal(0.9996222, options.CandidateProbability(0.9), 6);
    }

    [Fact]
    public void SignatureDependsOnNormalisedWordsOnly()
    {
        var hasher = new MinHasher();
        ulong[] a = hasher.Signature("The quick brown fox jumps over the lazy dog.");
        Assert.Equal(112, a.Length);
        Assert.Equal(a, hasher.Signature("the QUICK brown fox,  jumps over the lazy dog"));
        Assert.NotEqual(a, hasher.Signature("the quick brown fox jumps over the lazy cat"));
        Assert.NotEqual(a, new MinHasher(new MinHashOptions(Seed: 2)).Signature("the quick brown fox jumps over the lazy dog"));
    }

    [Fact]
    public void TextsShorterThanTheShingleAreOneShingle()
    {
        var hasher = new MinHasher();
        Assert.Equal(hasher.Signature("to be or"), hasher.Signature("To be, or"));
        Assert.NotEqual(hasher.Signature("to be or"), hasher.Signature("to be nor"));
        Assert.All(hasher.Signature(" ... "), value => Assert.Equal(ulong.MaxValue, value));
    }

    [Fact]
    public void MatchingSignatureFractionEstimatesExactJaccard()
    {
        var hasher = new MinHasher();
        var random = new Random(7);
        double totalError = 0;
        int pairs = 0;
        foreach (double keep in new[] { 1.0, 0.95, 0.9, 0.8, 0.6, 0.4 })
        {
            for (int repeat = 0; repeat < 5; repeat++)
            {
                string[] words = [.. Enumerable.Range(0, 300).Select(_ => Vocabulary[random.Next(Vocabulary.Length)])];
                string[] copy = [.. words.Select(w => random.NextDouble() < keep ? w : Vocabulary[random.Next(Vocabulary.Length)])];
                double exact = ShingleSets.Jaccard(ShingleSets.Of(words, 5), ShingleSets.Of(copy, 5));
                ulong[] sa = hasher.Signature(string.Join(' ', words));
                ulong[] sb = hasher.Signature(string.Join(' ', copy));
                double estimate = sa.Zip(sb).Count(p => p.First == p.Second) / (double)sa.Length;
                // One estimate's standard deviation is at most sqrt(0.25/112) ≈ 0.047.
                Assert.InRange(estimate - exact, -0.16, 0.16);
                totalError += Math.Abs(estimate - exact);
                pairs++;
            }
        }
        Assert.True(totalError / pairs < 0.05, $"mean |error| {totalError / pairs:F3}");
    }

    [Fact]
    public void VectorMinimumEqualsTheScalarPermutation()
    {
        // Machines without AVX2 (and every tail shorter than a vector) take the scalar path: both must agree exactly,
        // or signatures would differ between machines.
        var random = new Random(3);
        for (int t = 0; t < 200; t++)
        {
            ulong a = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40), b = (ulong)random.NextInt64();
            ulong[] keys = [.. Enumerable.Range(0, random.Next(1, 40)).Select(_ => (ulong)(uint)random.Next(int.MinValue, int.MaxValue))];
            Assert.Equal(keys.Min(x => MinHasher.Permute(a, b, x)), MinHasher.Minimum(a, b, keys));
        }
    }

    [Fact]
    public void BandHashesAreEqualExactlyWhereTheBandsAre()
    {
        var hasher = new MinHasher();
        ulong[] a = hasher.Signature("one two three four five six seven");
        ulong[] b = (ulong[])a.Clone();
        b[3 * 8 + 2] ^= 1;
        ulong[] ba = hasher.BandHashes(a);
        ulong[] bb = hasher.BandHashes(b);
        Assert.Equal(14, ba.Length);
        Assert.Equal([.. Enumerable.Range(0, 14).Where(i => i != 3)], Enumerable.Range(0, 14).Where(i => ba[i] == bb[i]));
        Assert.Equal(ba, hasher.Fingerprint("one two three four five six seven"));
    }
}
