using System.Net;
using System.Text.Json;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Api;

/// <summary>
/// <c>best_of</c> and <c>verify</c> on chat completions and completions: candidates sampled server-side, the check's
/// passes first, then by mean log-probability; every candidate's tokens counted in usage; bad fields named.
/// </summary>
public sealed class VerifiedChoicesTests(RunningServer server) : IClassFixture<RunningServer>
{
    private static async Task<JsonElement> ChatAsync(HttpClient client, Dictionary<string, object> fields, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = new Dictionary<string, object>
        {
            ["model"] = RunningServer.ModelName,
            ["messages"] = new[] { new { role = "user", content = "Tell me something" } },
            ["max_tokens"] = 6,
            ["temperature"] = 1.0,
            ["seed"] = 11,
        };
        foreach (var (key, value) in fields) body[key] = value;
        return await RunningServer.SendAsync(client, HttpMethod.Post, "v1/chat/completions", body, expected);
    }

    private static string Text(JsonElement choice) => choice.GetProperty("message").GetProperty("content").GetString()!;

    [Fact]
    public async Task TheVerifiedCandidateIsReturned()
    {
        using var client = server.Client();
        // The same four seeds in the same batch: n = 4 shows what best_of = 4 samples.
        var four = await ChatAsync(client, new() { ["n"] = 4 });
        var texts = four.GetProperty("choices").EnumerateArray().Select(Text).ToList();
        string wanted = texts[2];

        var picked = await ChatAsync(client, new() { ["best_of"] = 4, ["verify"] = "exact:" + wanted.Trim() });
        var choices = picked.GetProperty("choices").EnumerateArray().ToList();
        Assert.Single(choices);
        Assert.Equal(0, choices[0].GetProperty("index").GetInt32());
        Assert.Equal(wanted.Trim(), Text(choices[0]).Trim());
        Assert.Equal(four.GetProperty("usage").GetProperty("completion_tokens").GetInt32(),
            picked.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task BestOfRanksByMeanLogprob()
    {
        using var client = server.Client();
        var picked = await ChatAsync(client, new() { ["n"] = 2, ["best_of"] = 5, ["logprobs"] = true });
        var means = picked.GetProperty("choices").EnumerateArray()
            .Select(c => c.GetProperty("logprobs").GetProperty("content").EnumerateArray().Select(t => t.GetProperty("logprob").GetDouble()).DefaultIfEmpty(double.NegativeInfinity).Average())
            .ToList();
        Assert.Equal(2, means.Count);
        Assert.True(means[0] >= means[1] - 1e-9, $"{means[0]} < {means[1]}");
    }

    [Fact]
    public async Task CompletionsTakeBestOfAndVerifyForOnePrompt()
    {
        using var client = server.Client();
        var body = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/completions",
            new { model = RunningServer.ModelName, prompt = "Once", max_tokens = 4, temperature = 1.0, seed = 5, best_of = 3, verify = "regex:(?s).*" });
        Assert.Single(body.GetProperty("choices").EnumerateArray());
        await RunningServer.SendAsync(client, HttpMethod.Post, "v1/completions",
            new { model = RunningServer.ModelName, prompt = new[] { "a", "b" }, max_tokens = 2, best_of = 2 }, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("{\"n\": 3, \"best_of\": 2}", "best_of")]
    [InlineData("{\"best_of\": 99}", "best_of")]
    [InlineData("{\"verify\": \"unit-tests\"}", "verify")]
    [InlineData("{\"verify\": \"regex:(\"}", "verify")]
    [InlineData("{\"verify\": \"python-tests:/etc/passwd\"}", "verify")] // runs code and reads server files: never over the API
    [InlineData("{\"best_of\": 2, \"stream\": true}", "best_of")]
    public async Task BadSearchFieldsAreNamed(string fields, string param)
    {
        using var client = server.Client();
        var extra = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(fields)!.ToDictionary(p => p.Key, p => (object)p.Value);
        var error = await ChatAsync(client, extra, HttpStatusCode.BadRequest);
        Assert.Equal(param, error.GetProperty("error").GetProperty("param").GetString());
    }
}
