using System.Text.Json.Nodes;
using Strata.Serving.Grounding;

namespace Strata.Serving.Tests.Grounding;

/// <summary>Command R's own citation markup: parsed, removed from the text (also while streaming), and checked.</summary>
public sealed class CitationMarkupTests
{
    private static readonly GroundingDocument Travel = new("travel", new JsonObject { ["snippet"] = "t" },
        "Employees book flights through the travel desk at least two weeks ahead. Economy class is the rule for flights under six hours.");
    private static readonly GroundingDocument Expenses = new("expenses", new JsonObject { ["snippet"] = "e" },
        "Receipts are submitted within thirty days. Meals abroad are reimbursed up to sixty euros a day.");

    [Fact]
    public void CommandR7bMarkupCitesInjectedDocumentsByIndex()
    {
        // R7B: documents are the results of tool call 0; sources of other tool calls are not documents.
        string raw = "Sure. <co>Book flights two weeks ahead</co: 0:[0]> and <co>keep receipts for thirty days</co: 0:[1],1:[0]>.";
        var (text, spans) = CitationMarkup.Parse(raw);
        Assert.Equal("Sure. Book flights two weeks ahead and keep receipts for thirty days.", text);
        Assert.Equal(2, spans.Count);
        Assert.Equal("Book flights two weeks ahead", text[spans[0].Start..spans[0].End]);
        Assert.Equal([0], spans[0].Documents);
        Assert.Equal("keep receipts for thirty days", text[spans[1].Start..spans[1].End]);
        Assert.Equal([1], spans[1].Documents);
    }

    [Fact]
    public void CommandRPlusMarkupNamesDocumentIndexesOnBothTags()
    {
        var (text, spans) = CitationMarkup.Parse("<co: 1,0>Meals are capped</co: 1,0> daily.");
        Assert.Equal("Meals are capped daily.", text);
        Assert.Equal([1, 0], Assert.Single(spans).Documents);
    }

    [Theory]
    [InlineData("No tags at all.", "No tags at all.")]
    [InlineData("An <co>unclosed span", "An unclosed span")]
    [InlineData("A stray </co: 0:[0]> closing tag", "A stray  closing tag")]
    [InlineData("<co>x</co: 0:[junk]>", "x")]
    [InlineData("a < b and c > d", "a < b and c > d")]
    public void MalformedMarkupIsRemovedAndCitesNothing(string raw, string expected)
    {
        var (text, spans) = CitationMarkup.Parse(raw);
        Assert.Equal(expected, text);
        Assert.Empty(spans);
    }

    [Fact]
    public void StreamingRemovesTagsSplitAnywhere()
    {
        string raw = "Yes: <co>Book flights two weeks ahead</co: 0:[0]> — a <b>bold</b> claim, x<c and <co: 1>meals</co: 1>.";
        string expected = CitationMarkup.Parse(raw).Text;
        // Every way of cutting the answer into two or three deltas gives the same text, with no tag in any delta.
        for (int i = 0; i <= raw.Length; i++)
        {
            for (int j = i; j <= raw.Length; j += 7)
            {
                var filter = new CitationMarkupFilter();
                var deltas = new[] { filter.Push(raw[..i]), filter.Push(raw[i..j]), filter.Push(raw[j..]), filter.Flush() };
                Assert.Equal(expected, string.Concat(deltas));
                Assert.All(deltas, d => Assert.DoesNotContain("<co", d));
            }
        }
    }

    [Fact]
    public void AccurateModeKeepsOnlyDocumentsThatSupportTheSpan()
    {
        string raw = "<co>Employees book flights through the travel desk</co: 0:[0,1]>. <co>Meals abroad are reimbursed up to sixty euros</co: 0:[0]>.";
        var accurate = new GroundedAnswer([Travel, Expenses], CitationMode.Accurate, modelCites: true).Finish(raw);
        Assert.Equal("Employees book flights through the travel desk. Meals abroad are reimbursed up to sixty euros.", accurate.Text);
        var citation = Assert.Single(accurate.Citations);   // the second span cites only a document that does not say it
        Assert.Equal("Employees book flights through the travel desk", citation.Text);
        Assert.Equal(["travel"], citation.Sources.Select(s => s.Id));
        Assert.Equal(accurate.Text[citation.Start..citation.End], citation.Text);

        var fast = new GroundedAnswer([Travel, Expenses], CitationMode.Fast, modelCites: true).Finish(raw);
        Assert.Equal(2, fast.Citations.Count);   // fast trusts the model's markup
        Assert.Empty(new GroundedAnswer([Travel, Expenses], CitationMode.Off, modelCites: true).Finish(raw).Citations);
        // Out-of-range indexes cite nothing.
        Assert.Empty(new GroundedAnswer([Travel], CitationMode.Fast, modelCites: true).Finish("<co>x</co: 0:[3]>").Citations);
    }

    [Fact]
    public void ModelsWithoutMarkupAreCitedByAlignment()
    {
        string answer = "Book flights through the travel desk two weeks ahead.";
        var (text, citations) = new GroundedAnswer([Travel, Expenses], CitationMode.Accurate, modelCites: true).Finish(answer);
        Assert.Equal(answer, text);
        Assert.Equal(["travel"], Assert.Single(citations).Sources.Select(s => s.Id));
        // A model that does not cite keeps angle brackets in its text untouched.
        Assert.Equal("<co>x</co: 0:[0]>", new GroundedAnswer([Travel], CitationMode.Fast, modelCites: false).Finish("<co>x</co: 0:[0]>").Text);
    }
}
