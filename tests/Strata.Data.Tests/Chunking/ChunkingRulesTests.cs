using Strata.Data.Chunking;

namespace Strata.Data.Tests.Chunking;

/// <summary>The sentence and heading rules the chunker cuts at.</summary>
public sealed class ChunkingRulesTests
{
    [Fact]
    public void Sentences_DoNotEndAtAbbreviationsInitialsOrDecimals()
    {
        string text = "Dr. Smith arrived at 3.14 p.m. on Monday. He saw e.g. the river, i.e. the Thames. Was it high? Yes! " +
            "It rose slowly... Then it fell. J. R. Tolkien wrote it. See example.com. He said \"Stop.\" Then he left. " +
            "It costs approx. five pounds vs. ten. The end. and more…\nA new line";
        Assert.Equal(
        [
            "Dr. Smith arrived at 3.14 p.m. on Monday.", "He saw e.g. the river, i.e. the Thames.", "Was it high?", "Yes!",
            "It rose slowly...", "Then it fell.", "J. R. Tolkien wrote it.", "See example.com.", "He said \"Stop.\"",
            "Then he left.", "It costs approx. five pounds vs. ten.", "The end. and more…", "A new line",
        ], Sentences.Split(text, new Span(0, text.Length)).Select(s => text[s.Start..s.End]));
    }

    [Theory]
    [InlineData("# Install", "Install")]
    [InlineData("## Usage ##", "Usage")]
    [InlineData("### C#", "C#")]
    [InlineData("Getting started", "Getting started")]
    [InlineData("What is Strata?", "What is Strata?")]
    [InlineData("2. Results (2024)", "2. Results (2024)")]
    [InlineData("“Quoted” Title", "“Quoted” Title")]
    [InlineData("#hashtag", null)]
    [InlineData("This line is a sentence.", null)]
    [InlineData("For example:", null)]
    [InlineData("lower-case start", null)]
    [InlineData("— Someone (@someone) November 1, 2019", null)]
    [InlineData("2024", null)]
    [InlineData("A line that goes on for far longer than any heading would, well past eighty characters", null)]
    [InlineData("Two lines\nare a paragraph", null)]
    public void Headings_FollowedByALongerBlock(string block, string? heading)
    {
        string text = block + "\n\nA paragraph of text that follows the block and is longer than any of them is, by far.";
        var blocks = TextSpans.Blocks(text, new Span(0, text.Length));
        Assert.Equal(heading, Sections.Headings(text, blocks)[0]);
    }

    [Fact]
    public void TitleLikeBlock_IsNoHeadingBeforeAShorterBlockOrAtTheEnd()
    {
        string text = "Closing words\n\nThanks\n\nBye";
        Assert.All(Sections.Headings(text, TextSpans.Blocks(text, new Span(0, text.Length))), Assert.Null);
        text = "# Markdown headings need nothing after them";
        Assert.Equal("Markdown headings need nothing after them", Assert.Single(Sections.Headings(text, TextSpans.Blocks(text, new Span(0, text.Length)))));
    }

    [Fact]
    public void Blocks_AreSeparatedByBlankLines_LinesByNewlines()
    {
        string text = " one\ntwo \n \t\r\nthree\r\n\n\nfour";
        Assert.Equal(["one\ntwo", "three", "four"], TextSpans.Blocks(text, new Span(0, text.Length)).Select(s => text[s.Start..s.End]));
        Assert.Equal(["one", "two", "three", "four"], TextSpans.Lines(text, new Span(0, text.Length)).Select(s => text[s.Start..s.End]));
    }
}
