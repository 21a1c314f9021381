using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Serving.Api;
using Strata.Serving.Grounding;

namespace Strata.Serving.Tests.Grounding;

/// <summary>Citations found by aligning an answer with its documents, and Cohere's document shapes.</summary>
public sealed class CitationAlignerTests
{
    private static readonly GroundingDocument Travel = new("travel", new JsonObject { ["snippet"] = "t" },
        "Employees book flights through the travel desk at least two weeks ahead. Economy class is the rule for flights under six hours.");
    private static readonly GroundingDocument Expenses = new("expenses", new JsonObject { ["snippet"] = "e" },
        "Receipts are submitted within thirty days. Meals abroad are reimbursed up to sixty euros a day.");

    [Fact]
    public void EachSupportedSentenceIsCitedWithItsDocumentAndExactSpan()
    {
        string answer = "Book flights through the travel desk two weeks ahead. Meals abroad are reimbursed up to sixty euros a day! Have a nice trip.";
        var citations = CitationAligner.Align(answer, [Travel, Expenses], CitationMode.Accurate);
        Assert.Equal(2, citations.Count);
        Assert.Equal("Book flights through the travel desk two weeks ahead.", citations[0].Text);
        Assert.Equal(["travel"], citations[0].Sources.Select(s => s.Id));
        Assert.Equal("Meals abroad are reimbursed up to sixty euros a day!", citations[1].Text);
        Assert.Equal(["expenses"], citations[1].Sources.Select(s => s.Id));
        Assert.All(citations, c => Assert.Equal(answer[c.Start..c.End], c.Text));
    }

    [Fact]
    public void UnsupportedClaimsAreNotCitedWhateverTheModelWrote()
    {
        string answer = "Business class is allowed on every flight [travel]. Receipts never expire [expenses].";
        Assert.Empty(CitationAligner.Align(answer, [Travel, Expenses], CitationMode.Accurate));
    }

    [Fact]
    public void AccurateModeNeedsAThreeWordRunWhereFastModeDoesNot()
    {
        // Same content words as the travel document, in another order: topical, not quoted.
        string answer = "Ahead of weeks, desk travel flights employees book.";
        Assert.NotEmpty(CitationAligner.Align(answer, [Travel], CitationMode.Fast));
        Assert.Empty(CitationAligner.Align(answer, [Travel], CitationMode.Accurate));
        Assert.Empty(CitationAligner.Align("Book flights through the travel desk.", [Travel], CitationMode.Off));
    }

    [Fact]
    public void SentencesAreSplitAtStopsAndLineBreaksAndTrimmed()
    {
        string text = "  First one.  Second: 3.5 days!\nThird line without stop\n\nFourth?";
        var spans = CitationAligner.Sentences(text).Select(s => text[s.Start..s.End]).ToArray();
        Assert.Equal(["First one.", "Second: 3.5 days!", "Third line without stop", "Fourth?"], spans);
    }

    [Fact]
    public void CohereDocumentsParseFromStringsAndObjectsWithDefaultIds()
    {
        var parsed = GroundingDocument.Parse(JsonDocument.Parse("""["plain text", {"id": "hb", "data": {"title": "Handbook", "snippet": "Leave is 25 days."}}, {"data": "just data"}]""").RootElement);
        Assert.Equal(["doc:0", "hb", "doc:2"], parsed.Select(d => d.Id));
        Assert.Equal("plain text", parsed[0].Text);
        Assert.Equal("title: Handbook\nsnippet: Leave is 25 days.", parsed[1].Text);
        Assert.Equal("snippet: just data", parsed[2].Text);
    }

    [Theory]
    [InlineData("""[1]""", "documents[0]")]
    [InlineData("""["ok", ""]""", "documents[1]")]
    [InlineData("""[{"id": "x"}]""", "documents[0]")]
    [InlineData("""[{"id": "a", "data": {}}]""", "documents[0].data")]
    [InlineData("""[{"id": "a", "data": "x"}, {"id": "a", "data": "y"}]""", "documents")]
    [InlineData("""{"a": 1}""", "documents")]
    public void MalformedDocumentsAreRefusedNamingTheElement(string json, string field)
    {
        var error = Assert.Throws<ApiException>(() => GroundingDocument.Parse(JsonDocument.Parse(json).RootElement));
        Assert.Equal(400, error.Status);
        Assert.Equal(field, error.Param);
    }
}
