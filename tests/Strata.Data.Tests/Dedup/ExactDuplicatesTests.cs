using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Strata.Data.Dedup;

namespace Strata.Data.Tests.Dedup;

public class ExactDuplicatesTests
{
    [Fact]
    public void NormalizeLowercasesCollapsesWhitespaceAndDeletesPunctuation()
    {
        Assert.Equal("hello world its fine", TextNormalization.Normalize("  Hello,   WORLD!\n It's  fine. "));
        Assert.Equal("hello, world! it's fine.", TextNormalization.Normalize("  Hello,   WORLD!\n It's  fine. ", stripPunctuation: false));
        Assert.Equal("", TextNormalization.Normalize(" -- ... "));
    }

    [Fact]
    public void HashIsXxh128OfTheNormalisedTextAcrossChunkBoundaries()
    {
        // 1500 words of 3 letters cross the 2048-character streaming chunk several times.
        var raw = new StringBuilder();
        var normalized = new StringBuilder();
        for (int i = 0; i < 1500; i++)
        {
            string word = ((char)('a' + (i % 26))).ToString() + "b" + (char)('c' + (i % 7));
            raw.Append(i % 3 == 0 ? "  " : "\n").Append(word.ToUpperInvariant()).Append(i % 5 == 0 ? "," : "");
            normalized.Append(i == 0 ? "" : " ").Append(word);
        }
        UInt128 expected = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(normalized.ToString().AsSpan()));
        Assert.Equal(expected, ExactDuplicates.Hash(raw.ToString()));
    }

    [Fact]
    public void EqualOnlyWhenNormalisedTextsAreEqual()
    {
        Assert.Equal(ExactDuplicates.Hash("Hello, world!"), ExactDuplicates.Hash("hello \t WORLD"));
        Assert.NotEqual(ExactDuplicates.Hash("hello world"), ExactDuplicates.Hash("hello world again"));
        Assert.NotEqual(ExactDuplicates.Hash("helloworld"), ExactDuplicates.Hash("hello world"));
        var keepPunctuation = new ExactDedupOptions(StripPunctuation: false);
        Assert.NotEqual(ExactDuplicates.Hash("a-b", keepPunctuation), ExactDuplicates.Hash("ab", keepPunctuation));
        Assert.Equal(ExactDuplicates.Hash("a-b"), ExactDuplicates.Hash("ab"));
    }

    [Fact]
    public void IndexKeepsTheSmallestKeyOfEachGroupWhateverTheAddOrder()
    {
        // Keys 0..59: text k % 4 for k < 40 (four groups of ten), unique texts after.
        string TextOf(long key) => key < 40 ? $"Group {key % 4}!" : $"unique {key}";
        var index = new ExactDuplicateIndex();
        var keys = Enumerable.Range(0, 60).Select(k => (long)k).OrderBy(k => (k * 37) % 61).ToArray();
        Parallel.ForEach(keys, key => index.Add(key, ExactDuplicates.Hash(TextOf(key))));

        var result = index.Build();
        Assert.Equal(60, result.DocumentCount);
        Assert.Equal([0L, 1, 2, 3], result.Clusters.Select(c => c.Keep));
        Assert.Equal([4L, 8, 12, 16, 20, 24, 28, 32, 36], result.Clusters[0].Removed);
        Assert.Equal(36, result.Removed.Count);
        Assert.DoesNotContain(3L, result.Removed);
        Assert.Contains(39L, result.Removed);
    }

    [Fact]
    public void AddingAKeyTwiceIsAnError()
    {
        var index = new ExactDuplicateIndex();
        index.Add(1, ExactDuplicates.Hash("x"));
        index.Add(1, ExactDuplicates.Hash("x"));
        Assert.Throws<InvalidOperationException>(() => index.Build());
    }
}
