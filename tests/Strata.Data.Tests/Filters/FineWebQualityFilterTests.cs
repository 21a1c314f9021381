namespace Strata.Data.Tests.Filters;

using Strata.Data.Filters;
using static Samples;

// Expected outcomes are worked from datatrove's FineWebQualityFilter: over non-blank lines, punctuated-line ratio
// < 0.12 removes, short (≤ 30 characters) line ratio > 0.67 removes, duplicated-line characters over the text's
// characters without newlines > 0.01 removes, newlines per word > 0.3 removes.
public class FineWebQualityFilterTests
{
    private static string? Reason(string text, FineWebQualityOptions? options = null) =>
        new FineWebQualityFilter(options).Apply(Doc(text)).Reason;

    // Distinct lines longer than 30 characters, each ten words.
    private static string Line(int i, bool punctuated) => $"This is line number {i} of the test text here" + (punctuated ? "." : "");

    [Fact]
    public void OrdinaryProsePasses() => Assert.Null(Reason(Prose));

    [Fact]
    public void BlankTextIsEmpty() => Assert.Equal("empty", Reason(" \n\t\n"));

    [Fact]
    public void PunctuatedLineRatio()
    {
        // 3 of 25 = 0.12 passes; 2 of 25 = 0.08 does not.
        Assert.Null(Reason(string.Join('\n', Enumerable.Range(0, 25).Select(i => Line(i, i < 3)))));
        Assert.Equal("line_punct_ratio", Reason(string.Join('\n', Enumerable.Range(0, 25).Select(i => Line(i, i < 2)))));
        // A space after the stop means the line does not end with it.
        Assert.Equal("line_punct_ratio", Reason(string.Join('\n', Enumerable.Range(0, 25).Select(i => Line(i, i < 3) + " "))));
        Assert.Null(Reason(string.Join('\n', Enumerable.Range(0, 25).Select(i => Line(i, false))), new FineWebQualityOptions { LinePunctExcludeZero = true }));
    }

    [Fact]
    public void ShortLineRatio()
    {
        // A line of exactly 30 characters is short; of 31 it is not.
        var thirty = "Sharp words were spoken there.";
        Assert.Equal(30, thirty.Length);
        Assert.Equal("short_line_ratio", Reason(thirty));
        Assert.Null(Reason("Sharp words were spoken there!!"));
        // 67 short lines of 100 = 0.67 passes; 68 does not.
        string Text(int shortLines) => string.Join('\n', Enumerable.Range(0, 100).Select(i => i < shortLines ? $"Short line {i}." : Line(i, true)));
        Assert.Null(Reason(Text(67)));
        Assert.Equal("short_line_ratio", Reason(Text(68)));
    }

    [Fact]
    public void DuplicatedLineCharacters()
    {
        // 40-character lines, one repeated: 40/4000 = 0.01 passes (100 lines), 40/3960 does not (99 lines).
        static string L(int i) => $"Line {i:D3} of the generated test text, ok.";
        Assert.Equal(40, L(0).Length);
        string Text(int n) => string.Join('\n', Enumerable.Range(0, n - 1).Select(L).Append(L(0)));
        Assert.Null(Reason(Text(100)));
        Assert.Equal("char_dup_ratio", Reason(Text(99)));
    }

    [Fact]
    public void NewlinesPerWord()
    {
        // Ten 32-character lines of three tokens (two words and the stop): 9 newlines / 30 words = 0.3 passes;
        // a trailing newline makes 10 / 30.
        var text = string.Join('\n', Enumerable.Range(10, 10).Select(i => $"Extraordinarily comprehensive{i}."));
        Assert.Null(Reason(text));
        Assert.Equal("list_ratio", Reason(text + "\n"));
    }
}
