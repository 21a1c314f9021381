using Microsoft.AspNetCore.Http;
using Strata.Serving.Arena;
using Strata.Serving.Security;

namespace Strata.Serving.Api;

/// <summary>
/// The arena over HTTP: start a battle, send turns (a stream interleaving both sides), vote, read the leaderboard.
/// Each handler maps the wire format onto <see cref="ArenaService"/> and back. The tenant is the API key's
/// (<c>default</c> without keys); another tenant's battle answers 404 like an id that never existed.
/// </summary>
public static class ArenaEndpoints
{
    public const int MaxVoterLength = 128;

    public static async Task StartAsync(HttpContext http)
    {
        var battle = Service(http).Start(Caller.Tenant(http));
        await http.Response.WriteAsJsonAsync(ArenaBattleCard.Of(battle), JsonBody.ResponseOptions, http.RequestAborted);
    }

    public static async Task GetAsync(HttpContext http, string id)
    {
        var battle = Service(http).Find(Caller.Tenant(http), id);
        await http.Response.WriteAsJsonAsync(ArenaBattleCard.Of(battle), JsonBody.ResponseOptions, http.RequestAborted);
    }

    /// <summary>
    /// Server-sent events: <c>{"side", "delta"}</c> as text arrives, <c>{"side", "done": true, "finish_reason",
    /// "completion_tokens"}</c> as each side ends, an <c>{"error"}</c> event if the turn fails, then <c>[DONE]</c>,
    /// written once the turn is stored.
    /// </summary>
    public static async Task TurnAsync(HttpContext http, string id)
    {
        var arena = Service(http);
        var request = await JsonBody.ReadAsync<ArenaTurnRequest>(http.Request);
        using var run = arena.BeginTurn(Caller.Tenant(http), id, request.Message, http.RequestAborted);
        await ServerSentEvents.StartAsync(http.Response);
        try
        {
            await foreach (var e in run.RunAsync(http.RequestAborted))
            {
                object payload = e switch
                {
                    ArenaDelta delta => new ArenaDeltaEvent(ArenaNames.Of(delta.Side), delta.Text),
                    ArenaAnswered answered => ArenaDoneEvent.Of(answered),
                    _ => throw new InvalidOperationException($"unknown arena event {e.GetType().Name}"),
                };
                await ServerSentEvents.WriteAsync(http.Response, payload);
            }
        }
        catch (ApiException e)
        {
            await ServerSentEvents.WriteAsync(http.Response, new StreamErrorEvent(new StreamError(e.Message, e.Status >= 500 ? "server_error" : "invalid_request_error", e.Param, e.Code)));
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            // Not the client leaving (it would hear nothing): the engine dropped the work, as it does when the server stops.
            await ServerSentEvents.WriteAsync(http.Response, new StreamErrorEvent(new StreamError("the turn was cancelled by the server; nothing was stored", "server_error", null, "turn_cancelled")));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug or a store failure: the client hears that the turn failed; the middleware logs the details.
            await ServerSentEvents.WriteAsync(http.Response, new StreamErrorEvent(new StreamError("internal server error; the server log has the details", "server_error", null, null)));
            await ServerSentEvents.WriteDoneAsync(http.Response);
            throw;
        }
        await ServerSentEvents.WriteDoneAsync(http.Response);
    }

    public static async Task VoteAsync(HttpContext http, string id)
    {
        var arena = Service(http);
        var request = await JsonBody.ReadAsync<ArenaVoteRequest>(http.Request);
        var battle = arena.Vote(Caller.Tenant(http), id, request.Winner, VoterId(http, request.Voter));
        await http.Response.WriteAsJsonAsync(ArenaVoteResult.Of(battle), JsonBody.ResponseOptions, http.RequestAborted);
    }

    public static async Task LeaderboardAsync(HttpContext http, string? styleControl)
    {
        var arena = Service(http);
        bool style = styleControl switch
        {
            null => false,
            _ when bool.TryParse(styleControl, out bool value) => value,
            _ => throw ApiException.BadRequest("style_control must be true or false", "style_control"),
        };
        // A thousand bootstrap fits: off the request thread's way, but the caller waits for them.
        var board = await Task.Run(() => arena.Leaderboard(Caller.Tenant(http), style), http.RequestAborted);
        await http.Response.WriteAsJsonAsync(ArenaLeaderboard.Of(board), JsonBody.ResponseOptions, http.RequestAborted);
    }

    /// <summary>
    /// Who votes, for the daily cap: the API key when there is one (a client cannot vote as several people by naming
    /// itself differently); else the id the page keeps in local storage; else the client's address.
    /// </summary>
    private static string VoterId(HttpContext http, string? voter)
    {
        if (voter is not null && (voter.Length is 0 or > MaxVoterLength || voter.Any(char.IsControl)))
        {
            throw ApiException.BadRequest($"voter must be 1 to {MaxVoterLength} characters, without control characters", "voter");
        }
        if (Caller.Key(http) is { } key) return "key:" + key.Id;
        if (voter is not null) return "browser:" + voter;
        return "address:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    /// <exception cref="ApiException">501 when the server runs without a store.</exception>
    private static ArenaService Service(HttpContext http) =>
        http.RequestServices.GetService(typeof(ArenaService)) as ArenaService
        ?? throw new ApiException(501, "this server has no store for arena battles (start it with --store PATH|URL)", null, "arena_disabled");
}
