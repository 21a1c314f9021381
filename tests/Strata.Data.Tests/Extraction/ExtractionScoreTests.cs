using Strata.Data.Extraction;

namespace Strata.Data.Tests.Extraction;

public sealed class ExtractionScoreTests
{
    [Fact]
    public void Tokenize_TakesUnicodeWordRuns()
    {
        Assert.Equal(["Ça", "va", "snake_case", "42", "東京"], ExtractionScore.Tokenize("Ça va? snake_case-42 ... 東京!"));
    }

    [Fact]
    public void Shingles_AreFourTokenWindowsCountedAsAMultiset()
    {
        // "a b c d a b c d": windows abcd, bcda, cdab, dabc, abcd -> abcd twice.
        var shingles = ExtractionScore.Shingles("a b c d a b c d");
        Assert.Equal(4, shingles.Count);
        Assert.Equal(2, shingles["a b c d"]);
        Assert.Equal(1, shingles["d a b c"]);
    }

    [Fact]
    public void Shingles_ShortTextIsOneShingleAndEmptyTextNone()
    {
        Assert.Equal(new Dictionary<string, int> { ["x y"] = 1 }, ExtractionScore.Shingles("x, y."));
        Assert.Empty(ExtractionScore.Shingles(" ,; "));
    }

    [Fact]
    public void Match_NormalisesCountsByTheirSum()
    {
        // Truth a..f has shingles abcd, bcde, cdef; prediction a..e has abcd, bcde: tp 2, fp 0, fn 1 -> /3.
        var (tp, fp, fn) = ExtractionScore.Match("a b c d e f", "a b c d e");
        Assert.Equal(2.0 / 3, tp, 12);
        Assert.Equal(0, fp, 12);
        Assert.Equal(1.0 / 3, fn, 12);
    }

    [Fact]
    public void Scores_AreMeansOverPagesAndF1OfTheMeans()
    {
        var score = new ExtractionScore();
        score.Add("a b c d e f", "a b c d e"); // P 1, R 2/3
        score.Add("a b c d", "a b c d x y"); // truth abcd; pred abcd, bcdx, cdxy: P 1/3, R 1
        double p = (1 + 1.0 / 3) / 2, r = (2.0 / 3 + 1) / 2;
        Assert.Equal(p, score.Precision, 12);
        Assert.Equal(r, score.Recall, 12);
        Assert.Equal(2 * p * r / (p + r), score.F1, 12);
    }

    [Fact]
    public void EmptyPrediction_CountsForRecallOnly()
    {
        var score = new ExtractionScore();
        score.Add("a b c d", "");
        score.Add("a b c d", "a b c d");
        Assert.Equal(1, score.Precision, 12); // the empty page has tp + fp = 0, so it is left out of precision
        Assert.Equal(0.5, score.Recall, 12);
    }
}
