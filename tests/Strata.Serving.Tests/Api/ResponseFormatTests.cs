using System.Net;
using System.Text.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>
/// <c>response_format: {"type": "json_object"}</c> on OpenAI's chat completions and Cohere's v2 chat: every reply that
/// ends on its own is a JSON object (parsed here by System.Text.Json), even from a model with random weights; schemas,
/// not enforced yet, are refused naming the field.
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

    [Theory]
    [InlineData("v1/chat/completions", "{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"schema\": {}}}", "response_format.type")]
    [InlineData("v1/chat/completions", "{\"type\": \"yaml\"}", "response_format.type")]
    [InlineData("v1/chat/completions", "\"json\"", "response_format")]
    [InlineData("v2/chat", "{\"type\": \"json_object\", \"json_schema\": {\"type\": \"object\"}}", "response_format.json_schema")]
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
        Assert.Contains(param, text);
    }
}
