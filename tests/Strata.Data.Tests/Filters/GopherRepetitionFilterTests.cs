namespace Strata.Data.Tests.Filters;

using Strata.Data.Filters;
using static Samples;

// Expected outcomes are worked by hand from datatrove's GopherRepetitionFilter definitions: duplicates counted against
// earlier occurrences, character shares over len(text), n-grams for the "top" rules joined with spaces and for the
// "duplicated" rules joined without, strict > against each threshold. Each boundary test enables only its own rule.
public class GopherRepetitionFilterTests
{
    private static readonly GopherRepetitionOptions None = new()
    {
        DupLineFrac = null,
        DupParaFrac = null,
        DupLineCharFrac = null,
        DupParaCharFrac = null,
        TopNGrams = [],
        DupNGrams = [],
    };

    private static string? Reason(string text, GopherRepetitionOptions? options = null) =>
        new GopherRepetitionFilter(options).Apply(Doc(text)).Reason;

    // Distinct three-letter words: "aaa", "aab", ...
    private static string[] Distinct(int n, int offset = 0) =>
        Enumerable.Range(offset, n).Select(i => $"{(char)('a' + i / 26 % 26)}{(char)('a' + i / 26 / 26)}{(char)('a' + i % 26)}").ToArray();

    [Fact]
    public void OrdinaryProsePasses() => Assert.Null(Reason(Prose));

    [Fact]
    public void DuplicateParagraphFraction()
    {
        var only = None with { DupParaFrac = 0.3 };
        Assert.Null(Reason(string.Join("\n\n", "a b c d e f g a a a".Split(' ')), only)); // 3/10
        Assert.Equal("dup_para_frac", Reason(string.Join("\n\n\n", "a b c d e f a a a a".Split(' ')), only)); // 4/10
    }

    [Fact]
    public void DuplicateParagraphCharacters()
    {
        // P\n\nQ\n\nP with |P| = 10: 10 / (24 + |Q|); |Q| = 26 gives 0.2 exactly, 25 gives more.
        var only = None with { DupParaCharFrac = 0.2 };
        var p = new string('p', 10);
        Assert.Null(Reason($"{p}\n\n{new string('q', 26)}\n\n{p}", only));
        Assert.Equal("dup_para_char_frac", Reason($"{p}\n\n{new string('q', 25)}\n\n{p}", only));
    }

    [Fact]
    public void DuplicateLineFraction()
    {
        var only = None with { DupLineFrac = 0.3 };
        Assert.Null(Reason(string.Join('\n', "a b c d e f g a a a".Split(' ')), only));
        Assert.Equal("dup_line_frac", Reason(string.Join('\n', "a b c d e f a a a a".Split(' ')), only));
    }

    [Fact]
    public void DuplicateLineCharacters()
    {
        // P\nQ\nP with |P| = 10: 10 / (22 + |Q|); |Q| = 28 gives 0.2 exactly, 27 gives more.
        var only = None with { DupLineCharFrac = 0.2 };
        var p = new string('p', 10);
        Assert.Null(Reason($"{p}\n{new string('q', 28)}\n{p}", only));
        Assert.Equal("dup_line_char_frac", Reason($"{p}\n{new string('q', 27)}\n{p}", only));
    }

    [Fact]
    public void TopTwoGram()
    {
        // Nine distinct 3-letter words: len 35, every 2-gram is 7 characters once: 7/35 = 0.2 exactly. Eight: 7/31.
        var only = None with { TopNGrams = [(2, 0.2)] };
        Assert.Null(Reason(string.Join(' ', Distinct(9)), only));
        Assert.Equal("top_2_gram", Reason(string.Join(' ', Distinct(8)), only));
    }

    [Fact]
    public void TopThreeAndFourGrams()
    {
        // "aaa bbb ccc" ×k then 30 distinct words: the repeated 3-gram is 11 chars, k times.
        var text = string.Join(' ', Enumerable.Repeat("xxa xxb xxc", 4).Concat(Distinct(30)));
        // 44 / 167 = 0.263 > 0.18; 4-grams "xxa xxb xxc xxa" (15 chars) ×3 = 45 / 167 = 0.269 > 0.16.
        Assert.Equal("top_3_gram", Reason(text, None with { TopNGrams = [(3, 0.18)] }));
        Assert.Equal("top_4_gram", Reason(text, None with { TopNGrams = [(4, 0.16)] }));
        Assert.Null(Reason(string.Join(' ', Distinct(60)), None with { TopNGrams = [(3, 0.18), (4, 0.16)] }));
    }

    [Fact]
    public void DefaultsReportTheFirstFailingRule() =>
        Assert.Equal("top_2_gram", Reason(string.Join(' ', Enumerable.Repeat("the cat", 30))));

    [Fact]
    public void DuplicatedFiveGrams()
    {
        // Five words, k distinct words, the same five again: one repeat of 15 characters (joined without spaces).
        // k = 15 → len 99: 15/99 > 0.15. k = 15 with one word a letter longer → len 100: exactly 0.15.
        var only = None with { DupNGrams = [(5, 0.15)] };
        var five = Distinct(5, 100);
        string Text(string[] middle) => string.Join(' ', five.Concat(middle).Concat(five));
        Assert.Equal("duplicated_5_n_grams", Reason(Text(Distinct(15)), only));
        Assert.Null(Reason(Text([.. Distinct(14), "abcd"]), only));
    }

    [Fact]
    public void DuplicatedTenGrams()
    {
        // Ten words repeated once: 30 characters; len = 4·(20 + k) − 1. k = 54 → 295 (trips), k = 56 → 303 (passes).
        var only = None with { DupNGrams = [(10, 0.10)] };
        var ten = Distinct(10, 200);
        string Text(int k) => string.Join(' ', ten.Concat(Distinct(k)).Concat(ten));
        Assert.Equal("duplicated_10_n_grams", Reason(Text(54), only));
        Assert.Null(Reason(Text(56), only));
    }

    [Fact]
    public void OverlappingRepeatsCountOnce()
    {
        // "a a a a a a a a a a a a" (12 × "a"): 5-grams "aaaaa"; first at 0 is new, at 1 repeats (+5, jump to 6),
        // at 6 repeats (+5, jump to 11) → 10 characters of 23 = 0.43; 0.44 as the threshold passes it, 0.43 does not.
        var text = string.Join(' ', Enumerable.Repeat("a", 12));
        Assert.Null(Reason(text, None with { DupNGrams = [(5, 0.44)] }));
        Assert.Equal("duplicated_5_n_grams", Reason(text, None with { DupNGrams = [(5, 0.43)] }));
    }
}
