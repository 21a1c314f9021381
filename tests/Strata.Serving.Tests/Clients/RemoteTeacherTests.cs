using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Strata.Cli;
using Strata.Models.Generation;
using Strata.Models.Generation.Verification;
using Strata.Models.Remote;
using Strata.Serving.Tests.Support;
using Strata.Training.Distillation;
using Strata.Training.Tuning;

namespace Strata.Serving.Tests.Clients;

/// <summary>
/// <c>strata distill --teacher URL</c>: a teacher behind a real <c>strata serve</c> gives the same answers (same seeds) as the
/// same model loaded locally, with several prompts in flight; samples are asked for with n and asked again when a server
/// returns fewer; rate limits are retried; the key goes in the Authorization header.
/// </summary>
public class RemoteTeacherTests(RunningServer server) : IClassFixture<RunningServer>
{
    [Fact]
    public async Task ARemoteTeacherAnswersAsTheSameModelDoesLocally()
    {
        string root = TestPaths.NewTemporaryDirectory();
        string prompts = Path.Combine(root, "prompts.jsonl");
        File.WriteAllLines(prompts, new[] { "Tell me a story", "Name a colour", "Count to three", "Say hello" }
            .Select(p => $$"""{"messages":[{"role":"user","content":"{{p}}"}]}"""));
        async Task<string[]> Distill(string teacher, params string[] extra)
        {
            string output = Path.Combine(root, Guid.NewGuid().ToString("N"));
            var log = new StringWriter();
            int code = await StrataCli.RunAsync(["distill", "--teacher", teacher, "--prompts", prompts, "--out", output, "--temperature", "1",
                "--max-tokens", "16", .. extra], log, log);
            Assert.True(code == 0, log.ToString());
            string kept = Path.Combine(output, TeacherAnswers.KeptFile), dropped = Path.Combine(output, TeacherAnswers.DroppedFile);
            return File.ReadAllLines(kept).Concat(File.ReadAllLines(dropped))
                .Select(line => JsonNode.Parse(line)!.AsObject())
                .Select(r => $"{r["messages"]![0]!["content"]} → {r["messages"]![1]!["content"]} ({r["reason"] ?? "kept"})")
                .Order(StringComparer.Ordinal).ToArray();
        }
        string[] local = await Distill(TinyModels.SharedDirectory);
        string[] remote = await Distill(new Uri(server.BaseAddress, "v1").ToString(), "--teacher-model", RunningServer.ModelName, "--concurrency", "3");
        Assert.Equal(4, local.Length);
        Assert.Equal(local, remote);
        Assert.Contains(local, line => !line.Contains(" →  ("));
    }

    private sealed class ScriptedServer(Queue<HttpResponseMessage> replies) : HttpMessageHandler
    {
        public List<(JsonObject Body, string? Authorization)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!.AsObject(), request.Headers.Authorization?.ToString()));
            return replies.Dequeue();
        }
    }

    private static HttpResponseMessage Choices(params string[] texts) => new(HttpStatusCode.OK)
    {
        Content = new StringContent(new JsonObject
        {
            ["choices"] = new JsonArray(texts.Select((t, i) => (JsonNode)new JsonObject
            {
                ["index"] = i,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = t },
                ["finish_reason"] = "stop",
            }).ToArray()),
        }.ToJsonString(), Encoding.UTF8, "application/json"),
    };

    [Fact]
    public async Task SamplesAreAskedForAgainWhenAServerReturnsFewerAndRateLimitsAreRetried()
    {
        var handler = new ScriptedServer(new Queue<HttpResponseMessage>([
            new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Content = new StringContent("{\"error\":{\"message\":\"slow down\"}}") },
            Choices("five"),
            Choices("4", "four"),
        ]));
        using var teacher = new RemoteTeacher(new OpenAiEndpoint(new Uri("http://teacher.invalid/v1"), "sk-test", handler, _ => TimeSpan.Zero), "big-model");
        var answer = await teacher.AnswerAsync([new ChatMessage(ChatRole.User, "What is two plus two?")], new SamplingOptions { Seed = 10, MaxTokens = 8 },
            samples: 3, AnswerVerifier.Parse("number:4"), CancellationToken.None);
        Assert.Equal(new TeacherAnswer("4", Truncated: false, Verified: true), answer);
        Assert.Equal(3, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("Bearer sk-test", r.Authorization));
        Assert.Equal([3, 3, 2], handler.Requests.Select(r => r.Body["n"]!.GetValue<int>()));
        Assert.Equal([10, 10, 11], handler.Requests.Select(r => r.Body["seed"]!.GetValue<int>()));
        Assert.Equal("big-model", handler.Requests[0].Body["model"]!.GetValue<string>());
        Assert.Equal("What is two plus two?", handler.Requests[0].Body["messages"]![0]!["content"]!.GetValue<string>());
    }
}
