using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Strata.Serving.Tests.Support;
using Xunit.Abstractions;

namespace Strata.Serving.Tests.Fuzz;

/// <summary>
/// A storm of malformed, random and abandoned requests against every route, eight at a time. Whatever arrives,
/// the server answers below 500, in the calling API family's JSON error shape, and comes out of it idle and
/// still serving.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class EndpointFuzzTests(RunningServer server, ITestOutputHelper output) : IClassFixture<RunningServer>
{
    private const int Concurrency = 8;

    /// <summary>The storm's seed; STRATA_FUZZ_SEED replays or explores another (the failure message names its requests).</summary>
    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("STRATA_FUZZ_SEED"), out int seed) ? seed : 20_251_123;

    /// <summary>3000 keeps the test near ten seconds on two cores; STRATA_FUZZ_REQUESTS asks for a longer storm.</summary>
    private static int RequestCount => int.TryParse(Environment.GetEnvironmentVariable("STRATA_FUZZ_REQUESTS"), out int count) ? count : 3000;

    [Fact]
    public async Task MalformedRequestsGetJsonErrorsAndLeaveTheServerIdleAndServing()
    {
        var model = server.Server.Models.Get(RunningServer.ModelName).Model;
        var generator = new FuzzRequestGenerator(Seed, RunningServer.ModelName, model.Tokenizer.VocabularySize, RunningServer.DefaultOptions().MaxRequestBodyBytes);
        var requests = Enumerable.Range(0, RequestCount).Select(_ => generator.Next()).ToArray();
        var statuses = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<string>();
        var time = new ConcurrentDictionary<string, (int Count, TimeSpan Total)>();
        // No draining: disposing a half-read response must drop the connection, as a departing client does,
        // instead of quietly reading the rest of the stream to reuse it.
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency * 2, MaxResponseDrainSize = 0 };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };

        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, requests.Length), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, _) =>
        {
            long start = Stopwatch.GetTimestamp();
            var (outcome, failure) = await SendAndCheck(client, requests[i], i);
            statuses.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            string kind = requests[i].Kind.Split(' ')[0];
            var spent = Stopwatch.GetElapsedTime(start);
            time.AddOrUpdate(kind, (1, spent), (_, t) => (t.Count + 1, t.Total + spent));
            if (failure is not null) failures.Enqueue($"#{i} {requests[i]}\n    → {failure}");
        });
        output.WriteLine($"seed {Seed}: {requests.Length} requests in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(string.Join(", ", time.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}: {t.Value.Count} in {t.Value.Total.TotalSeconds:F1} s")));
        output.WriteLine(string.Join(", ", statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}: {s.Value}")));

        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, e.g.:\n" + string.Join("\n", failures.Take(15)));
        // The storm reached the generators and the error paths alike, not just one of them.
        Assert.True(statuses.GetValueOrDefault("200") > 100, "too few successful requests to have exercised generation");
        Assert.True(statuses.GetValueOrDefault("400") > 1000, "too few 400s: the malformed requests are not reaching validation");
        Assert.True(statuses.GetValueOrDefault("413") > 0, "no over-limit body was refused with 413");

        await AssertRecovered();
    }

    [Fact]
    public async Task StreamsClosedByTheClientStopGenerating()
    {
        // Each stream may run to the end of the context (no max_tokens); were the server to go on generating for
        // clients that left, these would add thousands of tokens.
        const int streams = 8;
        var engine = server.Server.Models.Get(RunningServer.ModelName);
        int room = engine.Model.ContextLength;
        double before = await server.GeneratedTokensAsync();
        using var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0 };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };

        await Task.WhenAll(Enumerable.Range(0, streams).Select(async i =>
        {
            string path = i % 2 == 0 ? "v1/chat/completions" : "v2/chat";
            using var content = new StringContent(
                $$"""{"model":"{{RunningServer.ModelName}}","messages":[{"role":"user","content":"Go on {{i}}"}],"stream":true,"seed":{{i}}}""",
                Encoding.UTF8, "application/json");
            using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var stream = await response.Content.ReadAsStreamAsync();
            // Past the opening events, into the tokens, then leave.
            var buffer = new byte[4096];
            int read = 0;
            for (int n = 1; read < 600 && n > 0; read += n) n = await stream.ReadAsync(buffer.AsMemory(0, buffer.Length));
        }));

        var idle = Stopwatch.StartNew();
        while (engine.ActiveSequences != 0 && idle.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.Equal(0, engine.ActiveSequences);
        double generated = await server.GeneratedTokensAsync() - before;
        output.WriteLine($"{streams} abandoned streams generated {generated} tokens; idle after {idle.ElapsedMilliseconds} ms");
        Assert.InRange(generated, streams, streams * room / 8.0);
    }

    private async Task AssertRecovered()
    {
        using var client = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("health")).StatusCode);

        // Abandoned streams must free their batch slots: the engine drops cancelled sequences within a step.
        var engine = server.Server.Models.Get(RunningServer.ModelName);
        var idle = Stopwatch.StartNew();
        while ((engine.ActiveSequences != 0 || engine.QueueDepth != 0) && idle.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(50);
        Assert.Equal(0, engine.ActiveSequences);
        Assert.Equal(0, engine.QueueDepth);

        var body = await server.PostJson("v1/chat/completions", new
        {
            model = RunningServer.ModelName,
            messages = new[] { new { role = "user", content = "Still there?" } },
            max_tokens = 4,
            temperature = 0,
        });
        Assert.Equal("assistant", body.GetProperty("choices")[0].GetProperty("message").GetProperty("role").GetString());
        Assert.InRange(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 0, 4);
    }

    /// <returns>The outcome for the tally (a status code or what the client did) and a failure description or null.</returns>
    private static async Task<(string Outcome, string? Failure)> SendAndCheck(HttpClient client, FuzzRequest request, int index)
    {
        using var message = new HttpRequestMessage(request.Method, request.Path);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null) message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        }
        using var timeout = new CancellationTokenSource(request.Ending == FuzzEnding.CancelSoon
            ? TimeSpan.FromMilliseconds(1 + index % 40)
            : TimeSpan.FromSeconds(30));
        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            int status = (int)response.StatusCode;
            if (status >= 500) return (status.ToString(), $"{status}: {await response.Content.ReadAsStringAsync(timeout.Token)}");
            if (request.Ending == FuzzEnding.CloseAfterFirstBytes && status < 400)
            {
                // Take a little of the stream, then drop the connection mid-response.
                await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
                _ = await stream.ReadAsync(new byte[64], timeout.Token);
                return ("closed early", null);
            }
            byte[] body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            return (status.ToString(), Check(request, response, status, body));
        }
        catch (OperationCanceledException) when (request.Ending == FuzzEnding.CancelSoon)
        {
            return ("cancelled", null);
        }
        catch (OperationCanceledException)
        {
            return ("timeout", "no complete answer within 30 s");
        }
        catch (HttpRequestException e)
        {
            return ("transport error", $"transport error: {e.Message} {e.InnerException?.Message}");
        }
    }

    private static string? Check(FuzzRequest request, HttpResponseMessage response, int status, byte[] body)
    {
        string text = Encoding.UTF8.GetString(body);
        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        if (status == 400 && body.Length == 0 && FuzzRequestGenerator.KestrelRefusesPath(request.Path))
        {
            // Kestrel refuses a request line it will not parse (a NUL in the path) before any application code runs,
            // with an empty 400 and a closed connection; no middleware can give it a body.
            return null;
        }
        if (status >= 400)
        {
            if (mediaType != "application/json") return $"{status} with content type {mediaType ?? "none"}: {Clip(text)}";
            try
            {
                var root = JsonDocument.Parse(body).RootElement;
                var messageElement = IsCohere(request.Path)
                    ? root.GetProperty("message")
                    : root.GetProperty("error").GetProperty("message");
                return string.IsNullOrWhiteSpace(messageElement.GetString()) ? $"{status} with an empty message: {Clip(text)}" : null;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return $"{status} without a {(IsCohere(request.Path) ? "Cohere" : "OpenAI")}-shaped error ({e.Message}): {Clip(text)}";
            }
        }
        if (request.Method != HttpMethod.Post || !FuzzRequestGenerator.PostRoutes.Contains(request.Path)) return null;
        if (mediaType == "text/event-stream")
        {
            return text.EndsWith("data: [DONE]\n\n", StringComparison.Ordinal) ? null : $"{status} stream without data: [DONE]: {Clip(text[^Math.Min(300, text.Length)..])}";
        }
        try
        {
            return JsonDocument.Parse(body).RootElement.ValueKind == JsonValueKind.Object ? null : $"{status} body is not a JSON object: {Clip(text)}";
        }
        catch (JsonException e)
        {
            return $"{status} body is not JSON ({e.Message}): {Clip(text)}";
        }
    }

    /// <summary>The server's rule (ApiErrors): /v2/… and the tokenize endpoints answer in Cohere's shape.</summary>
    private static bool IsCohere(string pathAndQuery)
    {
        string path = pathAndQuery.Split('?')[0];
        return new[] { "/v2", "/v1/tokenize", "/v1/detokenize" }.Any(prefix =>
            path.Equals(prefix, StringComparison.OrdinalIgnoreCase) || path.StartsWith(prefix + "/", StringComparison.OrdinalIgnoreCase));
    }

    private static string Clip(string text) => text.Length > 400 ? text[..400] + "…" : text;
}
