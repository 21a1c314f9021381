using System.Text.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Clients;

/// <summary>One run of <c>tests/tools/openai-client.mjs</c> (OpenAI's official TypeScript client) against a server.</summary>
public sealed class OpenAiNodeClientRun : NodeClientRun<RunningServer>
{
    protected override string Script(Uri server) => $"openai-client.mjs {server} {RunningServer.ModelName}";
}

/// <summary>
/// OpenAI's official TypeScript client (<c>openai</c>), unchanged, against Strata's tool calling and structured
/// outputs: the calls it parses, whole and accumulated from streamed deltas, are the server's; a tool result goes back;
/// json_schema replies parse to the schema's shape; an unknown named tool is the client's 400.
/// </summary>
public sealed class OpenAiNodeClientTests(OpenAiNodeClientRun run) : IClassFixture<OpenAiNodeClientRun>
{
    [Fact]
    public void ToolCallsParseWholeAndStreamedAlike()
    {
        var whole = run.Call("toolCall");
        Assert.Equal("tool_calls", whole.GetProperty("finishReason").GetString());
        // Parallel calls are on by default: one or more, each to add with arguments in range.
        var calls = whole.GetProperty("toolCalls").EnumerateArray().Select(c => (c.GetProperty("function").GetProperty("name").GetString(), c.GetProperty("function").GetProperty("arguments").GetString()!)).ToList();
        Assert.NotEmpty(calls);
        foreach (var (name, arguments) in calls)
        {
            Assert.Equal("add", name);
            using var parsed = JsonDocument.Parse(arguments);
            Assert.InRange(parsed.RootElement.GetProperty("a").GetInt32(), 0, 99);
        }

        var stream = run.Call("toolCallStream");
        Assert.Equal("tool_calls", stream.GetProperty("finishReason").GetString());
        var streamed = stream.GetProperty("calls").EnumerateArray().ToList();
        Assert.All(streamed, c => Assert.Equal("function", c.GetProperty("type").GetString()));
        Assert.All(streamed, c => Assert.StartsWith("call_", c.GetProperty("id").GetString()));
        Assert.Equal(calls, streamed.Select(c => (c.GetProperty("name").GetString(), c.GetProperty("arguments").GetString()!)).ToList());
    }

    [Fact]
    public void AToolResultIsAnswered()
    {
        var reply = run.Call("toolResult");
        Assert.NotEqual("tool_calls", reply.GetProperty("finishReason").GetString());
        Assert.Equal(JsonValueKind.Null, reply.GetProperty("toolCalls").ValueKind);
    }

    [Fact]
    public void JsonSchemaRepliesHaveTheSchemasShape()
    {
        int finished = 0;
        foreach (var reply in run.Call("jsonSchema").GetProperty("replies").EnumerateArray())
        {
            if (reply.GetProperty("finishReason").GetString() != "stop") continue;
            using var document = JsonDocument.Parse(reply.GetProperty("text").GetString()!);
            Assert.Equal(["legs"], document.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.InRange(document.RootElement.GetProperty("legs").GetInt32(), 0, 8);
            finished++;
        }
        Assert.True(finished > 0, "no json_schema reply ended within 96 tokens");
    }

    [Fact]
    public void AnUnknownNamedToolIsTheClientsBadRequest()
    {
        var error = run.Call("unknownTool", expectError: true).GetProperty("error");
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        Assert.Contains("tool_choice.function.name", error.GetProperty("message").GetString());
    }
}
