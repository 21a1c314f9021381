using System.Net;
using System.Text.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>
/// <c>response_format</c> on OpenAI's chat completions and Cohere's v2 chat: every reply that ends on its own is a JSON
/// object (parsed by System.Text.Json), or valid against the request's JSON Schema (checked by ajv), even from a model
/// with random weights; schemas with keywords that cannot be enforced are refused naming the keyword's path.
/// </summary>
public sealed class ResponseFormatTests(RunningServer server) : IClassFixture<RunningServer>
{
    private static void AssertObject(string text)
    {
        using var document = JsonDocument.Parse(text);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
    }

    [Fact]
    public async Task EveryFinishedChatCompletionIsAJsonObject()
    {
        using var client = server.Client();
        var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/chat/completions", new
        {
            model = RunningServer.ModelName,
            messages = new[] { new { role = "user", content = "Describe a cat as JSON" } },
            response_format = new { type = "json_object" },
            n = 16,
            max_tokens = 96,
            temperature = 1.2,
            seed = 3,
        });
        int finished = 0;
        foreach (var choice in body.GetProperty("choices").EnumerateArray())
        {
            string text = choice.GetProperty("message").GetProperty("content").GetString()!;
            Assert.StartsWith("{", text.TrimStart());
            if (choice.GetProperty("finish_reason").GetString() == "stop")
            {
                AssertObject(text);
                finished++;
            }
        }
        Assert.True(finished > 0, "no constrained reply ended within 96 tokens");
    }

    [Fact]
    public async Task CohereChatRepliesAreJsonObjects()
    {
        using var client = server.Client();
        int finished = 0;
        for (int seed = 0; seed < 8; seed++)
        {
            var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v2/chat", new
            {
                model = RunningServer.ModelName,
                messages = new[] { new { role = "user", content = "Describe a cat as JSON" } },
                response_format = new { type = "json_object" },
                max_tokens = 96,
                temperature = 1.2,
                seed,
            });
            string text = body.GetProperty("message").GetProperty("content")[0].GetProperty("text").GetString()!;
            Assert.StartsWith("{", text.TrimStart());
            if (body.GetProperty("finish_reason").GetString() == "COMPLETE")
            {
                AssertObject(text);
                finished++;
            }
        }
        Assert.True(finished > 0, "no constrained reply ended within 96 tokens");
    }

    private static readonly JsonElement Person = JsonSerializer.Deserialize<JsonElement>("""
        {"type": "object", "properties": {"name": {"type": "string", "maxLength": 12}, "age": {"type": "integer", "minimum": 0, "maximum": 120},
         "pet": {"enum": ["cat", "dog", null]}, "born": {"type": "string", "format": "date"}}, "required": ["name", "age"], "additionalProperties": false}
        """);

    private static void AssertValid(JsonElement schema, List<string> replies)
    {
        var verdicts = NodeTools.RunScript("check-structured-output.mjs",
            JsonSerializer.Serialize(replies.Select(reply => new { schema, output = reply })));
        foreach (var (verdict, reply) in JsonDocument.Parse(verdicts).RootElement.EnumerateArray().Zip(replies))
            Assert.True(verdict.GetProperty("valid").GetBoolean(), $"{reply}: {verdict}");
    }

    [Fact]
    public async Task EveryFinishedChatCompletionValidatesAgainstItsJsonSchema()
    {
        using var client = server.Client();
        var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/chat/completions", new
        {
            model = RunningServer.ModelName,
            messages = new[] { new { role = "user", content = "Describe a person" } },
            response_format = new { type = "json_schema", json_schema = new { name = "person", schema = Person, strict = true } },
            n = 16,
            max_tokens = 128,
            temperature = 1.2,
            seed = 5,
        });
        var finished = body.GetProperty("choices").EnumerateArray().Where(c => c.GetProperty("finish_reason").GetString() == "stop")
            .Select(c => c.GetProperty("message").GetProperty("content").GetString()!).ToList();
        Assert.True(finished.Count > 0, "no constrained reply ended within 128 tokens");
        AssertValid(Person, finished);
    }

    [Fact]
    public async Task CohereChatRepliesValidateAgainstTheirJsonSchema()
    {
        using var client = server.Client();
        var finished = new List<string>();
        for (int seed = 0; seed < 8; seed++)
        {
            var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v2/chat", new
            {
                model = RunningServer.ModelName,
                messages = new[] { new { role = "user", content = "Describe a person" } },
                response_format = new { type = "json_object", json_schema = Person },
                max_tokens = 128,
                temperature = 1.2,
                seed,
            });
            if (body.GetProperty("finish_reason").GetString() == "COMPLETE")
                finished.Add(body.GetProperty("message").GetProperty("content")[0].GetProperty("text").GetString()!);
        }
        Assert.True(finished.Count > 0, "no constrained reply ended within 128 tokens");
        AssertValid(Person, finished);
    }

    [Theory]
    [InlineData("v1/chat/completions", "{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"schema\": {\"type\": \"object\", \"properties\": {\"age\": {\"type\": \"integer\", \"multipleOf\": 2}}}}}", "response_format.json_schema.schema.properties.age.multipleOf")]
    [InlineData("v1/chat/completions", "{\"type\": \"json_schema\", \"json_schema\": {\"schema\": {}}}", "response_format.json_schema.name")]
    [InlineData("v1/chat/completions", "{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\"}}", "response_format.json_schema.schema")]
    [InlineData("v1/chat/completions", "{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"schema\": {\"type\": \"string\", \"pattern\": \"(a)\\\\1\"}}}", "response_format.json_schema.schema.pattern")]
    [InlineData("v1/chat/completions", "{\"type\": \"yaml\"}", "response_format.type")]
    [InlineData("v1/chat/completions", "\"json\"", "response_format")]
    [InlineData("v2/chat", "{\"type\": \"json_object\", \"json_schema\": {\"type\": \"object\", \"not\": {}}}", "response_format.json_schema.not")]
    [InlineData("v2/chat", "{\"type\": \"json_schema\"}", "response_format.type")]
    public async Task UnsupportedFormatsAreRefusedByName(string path, string format, string param)
    {
        using var client = server.Client();
        var body = new Dictionary<string, object>
        {
            ["model"] = RunningServer.ModelName,
            ["messages"] = new[] { new { role = "user", content = "Hi" } },
            ["max_tokens"] = 4,
            ["response_format"] = JsonSerializer.Deserialize<JsonElement>(format),
        };
        var error = await RunningServer.SendAsync(client, HttpMethod.Post, path, body, HttpStatusCode.BadRequest);
        string text = error.ToString();
        Assert.Contains($"\"{param}\"", text);
    }
}
