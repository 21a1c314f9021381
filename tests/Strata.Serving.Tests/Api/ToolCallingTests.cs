using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>
/// OpenAI tool calling on /v1/chat/completions with a random-weight model (the worst writer of calls; a long context,
/// as tool definitions are long in its 2,048-token vocabulary): required and
/// named calls always parse and their arguments validate against the tool's schema (checked by ajv); streamed calls
/// arrive as OpenAI streams them and add up to the same calls; bad definitions, choices and tool messages are 400s
/// naming the field.
/// </summary>
public sealed class ToolCallingTests(LongContextServer server) : IClassFixture<LongContextServer>
{
    private static readonly JsonElement WeatherParameters = JsonSerializer.Deserialize<JsonElement>("""
        {"type": "object", "properties": {"city": {"type": "string", "maxLength": 8}, "unit": {"enum": ["C", "F"]}, "days": {"type": "integer", "minimum": 1, "maximum": 7}},
         "required": ["city", "unit"], "additionalProperties": false}
        """);

    private static readonly JsonElement ConvertParameters = JsonSerializer.Deserialize<JsonElement>("""
        {"type": "object", "properties": {"km": {"type": "number"}}, "required": ["km"]}
        """);

    private static object[] Tools =>
    [
        new { type = "function", function = new { name = "get_weather", parameters = WeatherParameters } },
        new { type = "function", function = new { name = "convert", parameters = ConvertParameters } },
    ];

    private static void AssertValidArguments(IEnumerable<(string Name, string Arguments)> calls)
    {
        var list = calls.ToList();
        Assert.NotEmpty(list);
        var verdicts = NodeTools.RunScript("check-structured-output.mjs", JsonSerializer.Serialize(list.Select(c => new
        {
            schema = c.Name == "get_weather" ? WeatherParameters : c.Name == "convert" ? ConvertParameters : throw new Xunit.Sdk.XunitException($"unknown tool {c.Name}"),
            output = c.Arguments,
        })));
        foreach (var (verdict, call) in JsonDocument.Parse(verdicts).RootElement.EnumerateArray().Zip(list))
            Assert.True(verdict.GetProperty("valid").GetBoolean(), $"{call.Name}({call.Arguments}): {verdict}");
    }

    private static IEnumerable<(string Name, string Arguments)> Calls(JsonElement message) =>
        message.GetProperty("tool_calls").EnumerateArray().Select(c =>
        {
            Assert.Equal("function", c.GetProperty("type").GetString());
            Assert.StartsWith("call_", c.GetProperty("id").GetString());
            return (c.GetProperty("function").GetProperty("name").GetString()!, c.GetProperty("function").GetProperty("arguments").GetString()!);
        });

    [Fact]
    public async Task RequiredCallsAlwaysParseAndValidate()
    {
        using var client = server.Client();
        var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/chat/completions", new
        {
            model = RunningServer.ModelName,
            messages = new[] { new { role = "user", content = "Weather in Paris?" } },
            tools = Tools,
            tool_choice = "required",
            n = 12,
            max_tokens = 200,
            temperature = 1.0,
            seed = 11,
        });
        var calls = new List<(string, string)>();
        foreach (var choice in body.GetProperty("choices").EnumerateArray())
        {
            if (choice.GetProperty("finish_reason").GetString() == "length") continue;
            Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
            calls.AddRange(Calls(choice.GetProperty("message")));
        }
        Assert.True(calls.Count >= 3, $"only {calls.Count} calls finished within 200 tokens");
        AssertValidArguments(calls);
    }

    [Fact]
    public async Task ANamedFunctionIsTheOnlyOneCalled()
    {
        using var client = server.Client();
        var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/chat/completions", new
        {
            model = RunningServer.ModelName,
            messages = new[] { new { role = "user", content = "5 km in miles?" } },
            tools = Tools,
            tool_choice = new { type = "function", function = new { name = "convert" } },
            n = 8,
            max_tokens = 120,
            temperature = 1.0,
            seed = 2,
        });
        var calls = body.GetProperty("choices").EnumerateArray().Where(c => c.GetProperty("finish_reason").GetString() == "tool_calls")
            .SelectMany(c => Calls(c.GetProperty("message"))).ToList();
        Assert.All(calls, c => Assert.Equal("convert", c.Name));
        Assert.All(body.GetProperty("choices").EnumerateArray().Where(c => c.GetProperty("finish_reason").GetString() == "tool_calls"),
            c => Assert.Single(c.GetProperty("message").GetProperty("tool_calls").EnumerateArray()));
        AssertValidArguments(calls);
    }

    [Fact]
    public async Task StreamedCallsArriveAsOpenAiStreamsThemAndMatchTheWholeReply()
    {
        var request = new Dictionary<string, object>
        {
            ["model"] = RunningServer.ModelName,
            ["messages"] = new[] { new { role = "user", content = "Weather in Oslo?" } },
            ["tools"] = Tools,
            ["tool_choice"] = "required",
            ["max_tokens"] = 200,
            ["temperature"] = 1.0,
            ["seed"] = 4,
        };
        using var client = server.Client();
        var whole = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/chat/completions", request);
        Assert.Equal("tool_calls", whole.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        request["stream"] = true;
        using var response = await client.PostAsJsonAsync("v1/chat/completions", request);
        string[] events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var deltas = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("choices")[0]).ToList();
        Assert.Equal("tool_calls", deltas[^1].GetProperty("finish_reason").GetString());
        // Accumulate as a client does: by index, the first fragment naming the call, the rest appending arguments.
        var names = new Dictionary<int, string>();
        var arguments = new Dictionary<int, string>();
        foreach (var delta in deltas.Select(d => d.GetProperty("delta")))
        {
            Assert.False(delta.TryGetProperty("content", out var content) && content.GetString()!.Length > 0, "a required call streamed content");
            if (!delta.TryGetProperty("tool_calls", out var fragments)) continue;
            foreach (var fragment in fragments.EnumerateArray())
            {
                int index = fragment.GetProperty("index").GetInt32();
                var function = fragment.GetProperty("function");
                if (fragment.TryGetProperty("id", out _))
                {
                    Assert.Equal("function", fragment.GetProperty("type").GetString());
                    names[index] = function.GetProperty("name").GetString()!;
                }
                arguments[index] = arguments.GetValueOrDefault(index, "") + function.GetProperty("arguments").GetString();
            }
        }
        var expected = Calls(whole.GetProperty("choices")[0].GetProperty("message")).ToList();
        Assert.Equal(expected, names.OrderBy(p => p.Key).Select(p => (p.Value, arguments[p.Key])).ToList());
    }

    [Fact]
    public async Task AToolResultContinuesTheConversation()
    {
        using var client = server.Client();
        var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/chat/completions", new
        {
            model = RunningServer.ModelName,
            messages = new object[]
            {
                new { role = "user", content = "Weather in Paris?" },
                new { role = "assistant", content = (string?)null, tool_calls = new[] { new { id = "call_1", type = "function", function = new { name = "get_weather", arguments = "{\"city\": \"Paris\", \"unit\": \"celsius\"}" } } } },
                new { role = "tool", tool_call_id = "call_1", content = "18 degrees and sunny" },
            },
            tools = Tools,
            tool_choice = "none",
            max_tokens = 8,
            seed = 1,
        });
        var choice = body.GetProperty("choices")[0];
        Assert.NotEqual("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.False(choice.GetProperty("message").TryGetProperty("tool_calls", out _));
    }

    [Theory]
    [InlineData("""{"tools": [{"type": "function", "function": {"name": "bad name!"}}]}""", "tools[0].function.name")]
    [InlineData("""{"tools": [{"type": "retrieval"}]}""", "tools[0].type")]
    [InlineData("""{"tools": [{"type": "function", "function": {"name": "f", "parameters": "x"}}]}""", "tools[0].function.parameters")]
    [InlineData("""{"tools": [{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "f"}}]}""", "tools[1].function.name")]
    [InlineData("""{"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}}""", "tool_choice.function.name")]
    [InlineData("""{"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "always"}""", "tool_choice")]
    [InlineData("""{"tool_choice": "required"}""", "tool_choice")]
    [InlineData("""{"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"n": {"type": "integer", "multipleOf": 3}}}}}], "tool_choice": "required"}""", "tools[0].function.parameters.properties.n.multipleOf")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "call_9", "content": "x"}]}""", "messages[1].tool_call_id")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "x"}]}""", "messages[1].tool_call_id")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [5, null]}]}""", "messages[1].tool_calls[0]")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"arguments": "{}"}}]}]}""", "messages[1].tool_calls[0].function.name")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": "x"}]}""", "messages[1].tool_calls")]
    [InlineData("""{"tools": [{"type": "function", "function": {"name": "f"}}], "response_format": {"type": "json_object"}}""", "response_format")]
    public async Task BadToolRequestsAreRefusedNamingTheField(string fields, string param)
    {
        var body = new Dictionary<string, JsonElement>
        {
            ["model"] = JsonSerializer.SerializeToElement(RunningServer.ModelName),
            ["messages"] = JsonSerializer.SerializeToElement(new[] { new { role = "user", content = "Hi" } }),
            ["max_tokens"] = JsonSerializer.SerializeToElement(4),
        };
        foreach (var property in JsonDocument.Parse(fields).RootElement.EnumerateObject()) body[property.Name] = property.Value.Clone();
        using var client = server.Client();
        var error = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/chat/completions", body, HttpStatusCode.BadRequest);
        Assert.Equal(param, error.GetProperty("error").GetProperty("param").GetString());
    }
}
