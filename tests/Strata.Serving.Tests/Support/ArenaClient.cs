using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Strata.Serving.Tests.Support;

/// <summary>The arena's endpoints as a test calls them, over one <see cref="HttpClient"/> (one tenant).</summary>
public sealed class ArenaClient(HttpClient http)
{
    public HttpClient Http => http;

    public async Task<string> StartAsync()
    {
        var card = await RunningServer.SendAsync(http, HttpMethod.Post, "v1/arena/battles");
        return card.GetProperty("id").GetString()!;
    }

    public Task<JsonElement> GetAsync(string id, HttpStatusCode expected = HttpStatusCode.OK) =>
        RunningServer.SendAsync(http, HttpMethod.Get, $"v1/arena/battles/{id}", expected: expected);

    public Task<JsonElement> VoteAsync(string id, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        RunningServer.SendAsync(http, HttpMethod.Post, $"v1/arena/battles/{id}/vote", body, expected);

    public Task<JsonElement> LeaderboardAsync(string query = "", HttpStatusCode expected = HttpStatusCode.OK) =>
        RunningServer.SendAsync(http, HttpMethod.Get, "v1/arena/leaderboard" + query, expected: expected);

    /// <summary>A turn's stream, read to its end: the raw text and the JSON events before <c>[DONE]</c>.</summary>
    public async Task<TurnStream> TurnAsync(string id, string message)
    {
        using var response = await http.PostAsJsonAsync($"v1/arena/battles/{id}/turns", new { message });
        string raw = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"turn: {(int)response.StatusCode} {raw}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return TurnStream.Parse(raw);
    }

    /// <summary>A turn request that must be refused before streaming: the status and the JSON error.</summary>
    public async Task<JsonElement> RefusedTurnAsync(string id, object body, HttpStatusCode expected)
    {
        using var response = await http.PostAsJsonAsync($"v1/arena/battles/{id}/turns", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"turn: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>A turn's server-sent events.</summary>
public sealed record TurnStream(string Raw, IReadOnlyList<JsonElement> Events, bool Done)
{
    public static TurnStream Parse(string raw)
    {
        var events = new List<JsonElement>();
        bool done = false;
        foreach (string frame in raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", frame);
            string data = frame["data: ".Length..];
            if (data == "[DONE]") done = true;
            else events.Add(JsonDocument.Parse(data).RootElement.Clone());
        }
        return new TurnStream(raw, events, done);
    }

    /// <summary>The side's answer, its deltas joined.</summary>
    public string Answer(string side) => string.Concat(Events
        .Where(e => e.TryGetProperty("delta", out _) && e.GetProperty("side").GetString() == side)
        .Select(e => e.GetProperty("delta").GetString()));

    public JsonElement DoneEvent(string side) => Events.Single(e => e.TryGetProperty("done", out _) && e.GetProperty("side").GetString() == side);

    public JsonElement? Error => Events.Where(e => e.TryGetProperty("error", out _)).Select(e => (JsonElement?)e.GetProperty("error")).FirstOrDefault();
}
