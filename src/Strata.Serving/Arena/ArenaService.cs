using System.Collections.Concurrent;
using System.Security.Cryptography;
using Strata.Evaluation.Ratings;
using Strata.Serving.Api;
using Strata.Serving.Metrics;
using Strata.Serving.Registry;

namespace Strata.Serving.Arena;

/// <summary>
/// The blind arena: battles between two served chat models drawn at random, turns that both sides answer, one vote per
/// battle, and the tenant's leaderboard. Everything is per tenant, and another tenant's battle is "not found", exactly
/// like an id that never existed. The models' names stay secret until the vote: nothing this service returns before
/// it carries them, and errors from the generation path are rewritten to say "model A" and "model B".
/// </summary>
public sealed class ArenaService : IDisposable
{
    private const string IdPrefix = "battle_";

    private readonly IArenaStore store;
    private readonly ModelRegistry registry;
    private readonly ServerMetrics metrics;
    private readonly TimeProvider time;

    // Battles with a turn streaming in this process: a second turn or a vote waits for it. Across replicas the store's
    // conditional inserts keep the battle consistent; this only spares a doomed generation and a confusing vote.
    private readonly ConcurrentDictionary<string, byte> running = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">Invalid <paramref name="options"/>.</exception>
    public ArenaService(IArenaStore store, ModelRegistry registry, ServerMetrics metrics, ArenaOptions? options = null, TimeProvider? time = null)
    {
        this.store = store;
        this.registry = registry;
        this.metrics = metrics;
        Options = options ?? new ArenaOptions();
        Options.Validate();
        this.time = time ?? TimeProvider.System;
    }

    public IArenaStore Store => store;

    public ArenaOptions Options { get; }

    /// <summary>A new battle for <paramref name="tenant"/>: two distinct chat models, each side drawn at random.</summary>
    /// <exception cref="ApiException">503 while models load; 409 when fewer than two chat models are served.</exception>
    public ArenaBattle Start(string tenant)
    {
        if (!registry.IsReady) throw new ApiException(503, "models are still loading; retry shortly", null, "model_loading") { RetryAfterSeconds = 5 };
        var models = registry.Engines.Select(e => e.Model.Name).ToArray();
        if (models.Length < 2)
        {
            throw new ApiException(409, $"the arena needs at least two chat models; this server serves {models.Length} (serve more with --model)", null, "not_enough_models");
        }
        int a = Random.Shared.Next(models.Length);
        int b = Random.Shared.Next(models.Length - 1);
        if (b >= a) b++;
        var battle = new ArenaBattle(IdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), tenant, models[a], models[b], Now());
        store.AddBattle(battle);
        return battle;
    }

    /// <summary>The tenant's battle, with its turns and vote.</summary>
    /// <exception cref="ApiException">404 for an unknown id, or another tenant's.</exception>
    public ArenaBattle Find(string tenant, string id) =>
        (IsWellFormed(id) ? store.Find(tenant, id) : null)
        ?? throw new ApiException(404, $"no arena battle '{id}'", "id", "battle_not_found");

    /// <summary>
    /// Sends <paramref name="message"/> to both sides, each with its own conversation so far, and returns the running
    /// turn to stream. Everything that can be refused is refused here, before anything streams.
    /// </summary>
    /// <exception cref="ApiException">400 for a missing or oversized message, or a conversation the context no longer
    /// holds; 404 for an unknown battle; 409 once voted on, at the turn limit, or while another turn runs; 429 when a
    /// model's queue is full.</exception>
    public ArenaTurnRun BeginTurn(string tenant, string id, string? message, CancellationToken aborted)
    {
        if (string.IsNullOrWhiteSpace(message)) throw ApiException.BadRequest("message must be a non-empty string", "message");
        if (message.Length > Options.MaxMessageLength)
        {
            throw ApiException.BadRequest($"message is {message.Length} characters long; at most {Options.MaxMessageLength} are accepted", "message");
        }
        var battle = Find(tenant, id);
        if (battle.Vote is not null) throw new ApiException(409, "this battle has been voted on; start a new one", "id", "battle_closed");
        if (battle.Turns.Count >= Options.MaxTurns)
        {
            throw new ApiException(409, $"this battle has reached {Options.MaxTurns} turns; vote, or start a new one", "id", "turn_limit");
        }
        if (!running.TryAdd(battle.Id, 0)) throw TurnRunning();
        try
        {
            return ArenaTurnRun.Start(battle, message, new ArenaTurnRun.Context(store, registry, metrics, Options, Now), () => running.TryRemove(battle.Id, out _), aborted);
        }
        catch
        {
            running.TryRemove(battle.Id, out _);
            throw;
        }
    }

    /// <summary>Records the vote and returns the battle with it: the only answer that names the models.</summary>
    /// <param name="winner">The wire name of the outcome (<see cref="ArenaNames.Outcomes"/>).</param>
    /// <param name="voterId">Who votes (an API key's id, a browser's id): stored only as <see cref="VoteHygiene.VoterHash"/>.</param>
    /// <exception cref="ApiException">400 for an unknown winner; 404 for an unknown battle; 409 when already voted on,
    /// before any turn, or while a turn runs.</exception>
    public ArenaBattle Vote(string tenant, string id, string? winner, string voterId)
    {
        var outcome = ArenaNames.Outcome(winner)
            ?? throw ApiException.BadRequest($"winner must be one of {string.Join(", ", ArenaNames.Outcomes)}", "winner");
        var battle = Find(tenant, id);
        if (battle.Vote is not null) throw AlreadyVoted();
        if (battle.Turns.Count == 0) throw new ApiException(409, "nothing to vote on yet: send a message first", "id", "no_turns");
        if (running.ContainsKey(battle.Id)) throw TurnRunning();
        string voter = VoteHygiene.VoterHash(tenant, voterId);
        string prompt = VoteHygiene.PromptKey(battle.Turns[0].Message);
        var now = Now();
        var exclusion = VoteHygiene.Exclusion(battle, store.VotesSince(tenant, voter, now - VoteHygiene.Day), store.CountedVotes(tenant, prompt), Options);
        var vote = new ArenaVote(outcome, voter, prompt, now, exclusion);
        if (!store.AddVote(tenant, battle.Id, vote)) throw AlreadyVoted();
        return battle with { Vote = vote };
    }

    /// <summary>Ratings from the tenant's counted votes (empty when there are none yet).</summary>
    public Leaderboard Leaderboard(string tenant, bool styleControl) =>
        ArenaRatings.Leaderboard(store.CountedBattles(tenant, withTurns: styleControl), styleControl);

    private static bool IsWellFormed(string id) =>
        id.Length == IdPrefix.Length + 24 && id.StartsWith(IdPrefix, StringComparison.Ordinal) && id.AsSpan(IdPrefix.Length).IndexOfAnyExcept("0123456789abcdef") < 0;

    private static ApiException AlreadyVoted() => new(409, "this battle already has a vote", "id", "already_voted");

    private static ApiException TurnRunning() => new(409, "a turn of this battle is still running; wait for it to finish", "id", "turn_in_progress");

    // Whole milliseconds: what both stores keep, so a vote read back equals the vote returned.
    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

    public void Dispose() => store.Dispose();
}
