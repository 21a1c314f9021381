using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Serving.Grounding;

namespace Strata.Serving.Tests.Grounding;

/// <summary>
/// An answer after tool results cites them as Cohere does: sources of type <c>tool</c>, id <c>CALL_ID:0</c>, the result
/// as <c>tool_output</c>; documents given beside them keep their own type.
/// </summary>
public sealed class ToolResultCitationTests
{
    [Fact]
    public void AnAnswerThatRepeatsAToolResultCitesTheTool()
    {
        var messages = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = "Weather in Paris?" },
            new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray() },
            new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_7", ["content"] = "Paris is eighteen degrees and sunny today" });
        var results = GroundingDocument.ToolResults(messages);
        var result = Assert.Single(results);
        Assert.True(result.IsToolResult);
        Assert.Equal("call_7:0", result.Id);

        var document = new GroundingDocument("doc:0", new JsonObject { ["snippet"] = "Penguins live in Antarctica." }, "Penguins live in Antarctica.");
        var answer = new GroundedAnswer([document, .. results], CitationMode.Accurate, modelCites: false);
        var (text, citations) = answer.Finish("Paris is eighteen degrees and sunny today.");
        Assert.Equal("Paris is eighteen degrees and sunny today.", text);
        var citation = Assert.Single(citations);
        var wire = JsonSerializer.SerializeToElement(Strata.Serving.Api.Cohere.CohereCitation.From(citation));
        var source = Assert.Single(wire.GetProperty("sources").EnumerateArray());
        Assert.Equal("tool", source.GetProperty("type").GetString());
        Assert.Equal("call_7:0", source.GetProperty("id").GetString());
        Assert.Equal("Paris is eighteen degrees and sunny today", source.GetProperty("tool_output").GetProperty("text").GetString());
    }
}
