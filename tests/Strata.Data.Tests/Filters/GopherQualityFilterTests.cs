namespace Strata.Data.Tests.Filters;

using Strata.Data.Filters;
using static Samples;

// Expected outcomes are worked from the rules as datatrove's GopherQualityFilter defines them (strict > / < against
// the thresholds, ratios over all words including punctuation tokens, stop words matched case-sensitively).
public class GopherQualityFilterTests
{
    private static string? Reason(string text, GopherQualityOptions? options = null) =>
        new GopherQualityFilter(options).Apply(Doc(text)).Reason;

    [Fact]
    public void OrdinaryProsePasses() => Assert.Null(Reason(Prose));

    [Fact]
    public void FiftyWordsIsEnoughFortyNineIsNot()
    {
        Assert.Null(Reason(Words(50)));
        Assert.Equal("gopher_short_doc", Reason(Words(49)));
    }

    [Fact]
    public void MoreThanMaxWordsIsLong()
    {
        Assert.Null(Reason(Words(100_000)));
        Assert.Equal("gopher_long_doc", Reason(Words(100_001)));
    }

    [Fact]
    public void MeanWordLengthBounds()
    {
        // "the" "and" + 48 words: mean (6 + 48·L) / 50.
        Assert.Equal("gopher_below_avg_threshold", Reason("the and " + string.Join(' ', Enumerable.Repeat("ab", 48)))); // 2.04
        Assert.Null(Reason("the and " + string.Join(' ', Enumerable.Repeat("abc", 48)))); // exactly 3
        Assert.Equal("gopher_above_avg_threshold", Reason("the and " + string.Join(' ', Enumerable.Repeat("abcdefghijk", 48)))); // 10.68
        // 46 words of 10 letters and 2 of 17: (6 + 460 + 34) / 50 = exactly 10.
        Assert.Null(Reason("the and " + string.Join(' ', Enumerable.Repeat("abcdefghij", 46).Concat(["abcdefghijklmnopq", "abcdefghijklmnopq"]))));
    }

    [Fact]
    public void HashesPerWord()
    {
        // 54 words + k "#" tokens: k / (54 + k); 6/60 = 0.1 is allowed, 7/61 is not.
        Assert.Null(Reason(Words(54) + string.Concat(Enumerable.Repeat(" #", 6))));
        Assert.Equal("gopher_too_many_hashes", Reason(Words(54) + string.Concat(Enumerable.Repeat(" #", 7))));
    }

    [Fact]
    public void EllipsesPerWord()
    {
        // "..." and "…" are both counted; each is one token, never at a line end here.
        Assert.Null(Reason("the ... and … house ... house … house ... house … " + Words(48)));
        Assert.Equal("gopher_too_many_ellipsis", Reason("the ... and … house ... house … house ... house … house ... " + Words(47)));
    }

    [Fact]
    public void BulletLines()
    {
        // Ten lines of "- " + 6 words; 9/10 bullets = 0.9 is allowed, 10/10 is not.
        var bullet = "- " + Words(6);
        Assert.Null(Reason(string.Join('\n', Enumerable.Repeat(bullet, 9).Append(Words(6)))));
        Assert.Equal("gopher_too_many_bullets", Reason(string.Join('\n', Enumerable.Repeat("  • " + Words(6), 10))));
    }

    [Fact]
    public void EllipsisLines()
    {
        // Ten lines of 7 words; 3/10 ending in an ellipsis = 0.3 is allowed, 4/10 is not.
        string Text(int ending) => string.Join('\n', Enumerable.Range(0, 10).Select(i => Words(7) + (i < ending ? " house...  " : " house.")));
        Assert.Null(Reason(Text(3)));
        Assert.Equal("gopher_too_many_end_ellipsis", Reason(Text(4)));
    }

    [Fact]
    public void WordsWithLetters()
    {
        // 48 words + k numbers: 48/60 = 0.8 is allowed, 48/61 is not.
        Assert.Null(Reason(Words(48) + string.Concat(Enumerable.Repeat(" 123", 12))));
        Assert.Equal("gopher_below_alpha_threshold", Reason(Words(48) + string.Concat(Enumerable.Repeat(" 123", 13))));
    }

    [Fact]
    public void PunctuationTokensCountAgainstTheLetterRatio()
    {
        // "house," is two tokens: 50 words + 13 commas → 50/63 < 0.8.
        Assert.Equal("gopher_below_alpha_threshold", Reason(Words(37) + string.Concat(Enumerable.Repeat(" house,", 13))));
    }

    [Fact]
    public void StopWords()
    {
        Assert.Equal("gopher_enough_stop_words", Reason("the " + string.Join(' ', Enumerable.Repeat("house", 49))));
        // Matched case-sensitively: "The" is not "the".
        Assert.Equal("gopher_enough_stop_words", Reason("The and " + string.Join(' ', Enumerable.Repeat("house", 48))));
        Assert.Null(Reason("of with " + string.Join(' ', Enumerable.Repeat("house", 48))));
    }

    [Fact]
    public void NullThresholdDisablesARule() =>
        Assert.Null(Reason(Words(10), new GopherQualityOptions { MinDocWords = null }));
}
