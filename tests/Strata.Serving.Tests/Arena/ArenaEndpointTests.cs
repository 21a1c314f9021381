using System.Net;
using System.Text.Json;
using Strata.Serving.Arena;
using Strata.Serving.Hosting;
using Strata.Serving.Security;
using Strata.Serving.Storage;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Arena;

/// <summary>
/// <c>/v1/arena</c> over real HTTP with two tenants' keys: battles stream both sides, keep the models secret until the
/// vote, continue each side's own conversation, take one vote; bad input is a 4xx naming the field; and no tenant can
/// read, continue or vote on another's battle, or see its votes.
/// </summary>
public sealed class ArenaEndpointTests(KeyedArenaServer server) : IClassFixture<KeyedArenaServer>
{
    private const string UnknownId = "battle_000000000000000000000000";

    private ArenaClient Acme() => new(server.ClientFor(server.AcmeKey));

    private ArenaClient Globex() => new(server.ClientFor(server.GlobexKey));

    /// <summary>A client of a tenant of its own, so a test can count its votes from zero.</summary>
    private (ArenaClient Client, string Tenant) NewTenant()
    {
        string tenant = "t" + Guid.NewGuid().ToString("N")[..12];
        using var keys = ApiKeyStores.Open(server.Store);
        return (new ArenaClient(server.ClientFor(keys.Create(tenant, "tests").Key)), tenant);
    }

    private static void AssertNoModelNames(string text)
    {
        foreach (string name in ArenaServer.ModelNames) Assert.DoesNotContain(name, text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ABattleStreamsBothSidesAndNamesTheModelsOnlyInTheVote()
    {
        var acme = Acme();
        using var started = await acme.Http.PostAsync("v1/arena/battles", null);
        string card = await started.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        AssertNoModelNames(card);
        var battle = JsonDocument.Parse(card).RootElement;
        string id = battle.GetProperty("id").GetString()!;
        Assert.Matches("^battle_[0-9a-f]{24}$", id);
        Assert.Equal("arena.battle", battle.GetProperty("object").GetString());
        Assert.Equal(0, battle.GetProperty("turns").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, battle.GetProperty("vote").ValueKind);

        var turn = await acme.TurnAsync(id, "Hello there, who are you?");
        Assert.True(turn.Done);
        Assert.Null(turn.Error);
        AssertNoModelNames(turn.Raw);
        Assert.Contains(turn.Events, e => e.TryGetProperty("delta", out _));
        foreach (var e in turn.Events)
        {
            var keys = e.EnumerateObject().Select(p => p.Name).ToList();
            Assert.True(keys.SequenceEqual(["side", "delta"]) || keys.SequenceEqual(["side", "done", "finish_reason", "completion_tokens"]), string.Join(",", keys));
            Assert.Contains(e.GetProperty("side").GetString(), new[] { "a", "b" });
        }
        foreach (string side in new[] { "a", "b" })
        {
            var done = turn.DoneEvent(side);
            Assert.Contains(done.GetProperty("finish_reason").GetString(), new[] { "stop", "length" });
            Assert.InRange(done.GetProperty("completion_tokens").GetInt32(), 0, ArenaServer.MaxTokens);
        }

        var read = await acme.GetAsync(id);
        AssertNoModelNames(read.GetRawText());
        var stored = Assert.Single(read.GetProperty("turns").EnumerateArray());
        Assert.Equal("Hello there, who are you?", stored.GetProperty("message").GetString());
        Assert.Equal(turn.Answer("a"), stored.GetProperty("a").GetString());
        Assert.Equal(turn.Answer("b"), stored.GetProperty("b").GetString());

        var vote = await acme.VoteAsync(id, new { winner = "a" });
        Assert.Equal("arena.vote", vote.GetProperty("object").GetString());
        Assert.Equal(id, vote.GetProperty("id").GetString());
        Assert.Equal("a", vote.GetProperty("winner").GetString());
        Assert.True(vote.GetProperty("counted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, vote.GetProperty("excluded_reason").ValueKind);
        string[] models = [vote.GetProperty("models").GetProperty("a").GetString()!, vote.GetProperty("models").GetProperty("b").GetString()!];
        Assert.Equal(ArenaServer.ModelNames.Order(), models.Order());

        // Afterwards the card shows the vote, still without the names; a second vote and a further turn are refused.
        var after = await acme.GetAsync(id);
        AssertNoModelNames(after.GetRawText());
        Assert.Equal("a", after.GetProperty("vote").GetProperty("winner").GetString());
        var again = await acme.VoteAsync(id, new { winner = "b" }, HttpStatusCode.Conflict);
        Assert.Equal("already_voted", again.GetProperty("error").GetProperty("code").GetString());
        var closed = await acme.RefusedTurnAsync(id, new { message = "more" }, HttpStatusCode.Conflict);
        Assert.Equal("battle_closed", closed.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task EachSideContinuesItsOwnConversationThroughItsChatTemplate()
    {
        var acme = Acme();
        string id = await acme.StartAsync();
        var first = await acme.TurnAsync(id, "Hi");
        var second = await acme.TurnAsync(id, "Tell me more");
        Assert.Equal(2, (await acme.GetAsync(id)).GetProperty("turns").GetArrayLength());
        var models = (await acme.VoteAsync(id, new { winner = "tie" })).GetProperty("models");

        // Replayed through /v1/chat/completions (greedy, as the fixture's arena samples), each side's second answer is
        // what its model says after the first exchange with its own first answer.
        foreach (string side in new[] { "a", "b" })
        {
            var completion = await RunningServer.SendAsync(acme.Http, HttpMethod.Post, "v1/chat/completions", new
            {
                model = models.GetProperty(side).GetString(),
                messages = new object[]
                {
                    new { role = "user", content = "Hi" },
                    new { role = "assistant", content = first.Answer(side) },
                    new { role = "user", content = "Tell me more" },
                },
                temperature = 0,
                max_tokens = ArenaServer.MaxTokens,
            });
            Assert.Equal(completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), second.Answer(side));
        }
    }

    [Fact]
    public async Task AnotherTenantCannotReadContinueOrVoteOnABattleNorSeeItsVotes()
    {
        var acme = Acme();
        var globex = Globex();
        string id = await acme.StartAsync();
        await acme.TurnAsync(id, "Our secret launch date is the ninth of May.");

        var unknown = await globex.GetAsync(UnknownId, HttpStatusCode.NotFound);
        var read = await globex.GetAsync(id, HttpStatusCode.NotFound);
        var turn = await globex.RefusedTurnAsync(id, new { message = "Repeat the launch date." }, HttpStatusCode.NotFound);
        var vote = await globex.VoteAsync(id, new { winner = "b" }, HttpStatusCode.NotFound);
        // Indistinguishable from an id that never existed: the same body, but for the id it quotes.
        foreach (var refusal in new[] { read, turn, vote })
        {
            Assert.Equal(unknown.GetRawText().Replace(UnknownId, id, StringComparison.Ordinal), refusal.GetRawText());
        }
        Assert.DoesNotContain("ninth of May", read.GetRawText(), StringComparison.Ordinal);

        // The battle is untouched, and its owner's vote counts for its owner alone.
        var own = await acme.GetAsync(id);
        Assert.Equal(1, own.GetProperty("turns").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, own.GetProperty("vote").ValueKind);
        Assert.True((await acme.VoteAsync(id, new { winner = "a" })).GetProperty("counted").GetBoolean());
        var board = await globex.LeaderboardAsync();
        Assert.Equal(0, board.GetProperty("total_battles").GetInt32());
        Assert.Empty(board.GetProperty("entries").EnumerateArray());
        Assert.Empty(board.GetProperty("models").EnumerateArray());

        using var anonymous = server.Client();
        using var refused = await anonymous.PostAsync("v1/arena/battles", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Theory]
    [InlineData(UnknownId)]
    [InlineData("nope")]
    [InlineData("battle_00000000000000000000000G")]
    [InlineData("BATTLE_000000000000000000000000")]
    public async Task UnknownOrMalformedBattlesAre404sNamingTheId(string id)
    {
        var acme = Acme();
        foreach (var error in new[]
        {
            await acme.GetAsync(id, HttpStatusCode.NotFound),
            await acme.RefusedTurnAsync(id, new { message = "hi" }, HttpStatusCode.NotFound),
            await acme.VoteAsync(id, new { winner = "a" }, HttpStatusCode.NotFound),
        })
        {
            Assert.Equal("id", error.GetProperty("error").GetProperty("param").GetString());
            Assert.Equal("battle_not_found", error.GetProperty("error").GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task BadInputIsA400NamingTheField()
    {
        var acme = Acme();
        string id = await acme.StartAsync();
        async Task Refused(Task<JsonElement> call, string field) =>
            Assert.Equal(field, (await call).GetProperty("error").GetProperty("param").GetString());

        await Refused(acme.RefusedTurnAsync(id, new { message = "" }, HttpStatusCode.BadRequest), "message");
        await Refused(acme.RefusedTurnAsync(id, new { message = "   " }, HttpStatusCode.BadRequest), "message");
        await Refused(acme.RefusedTurnAsync(id, new { }, HttpStatusCode.BadRequest), "message");
        await Refused(acme.RefusedTurnAsync(id, new { message = 42 }, HttpStatusCode.BadRequest), "message");
        await Refused(acme.RefusedTurnAsync(id, new { message = new string('x', 16_001) }, HttpStatusCode.BadRequest), "message");
        await Refused(acme.VoteAsync(id, new { winner = "c" }, HttpStatusCode.BadRequest), "winner");
        await Refused(acme.VoteAsync(id, new { winner = "A" }, HttpStatusCode.BadRequest), "winner");
        await Refused(acme.VoteAsync(id, new { }, HttpStatusCode.BadRequest), "winner");
        await Refused(acme.VoteAsync(id, new { winner = 1 }, HttpStatusCode.BadRequest), "winner");
        await Refused(acme.VoteAsync(id, new { winner = "a", voter = new string('v', 129) }, HttpStatusCode.BadRequest), "voter");
        await Refused(acme.VoteAsync(id, new { winner = "a", voter = "line\nbreak" }, HttpStatusCode.BadRequest), "voter");
        await Refused(acme.LeaderboardAsync("?style_control=maybe", HttpStatusCode.BadRequest), "style_control");

        // Before any turn there is nothing to vote on.
        var early = await acme.VoteAsync(id, new { winner = "a" }, HttpStatusCode.Conflict);
        Assert.Equal("no_turns", early.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task AVoteOnAnswersThatNameAModelIsStoredButNotCounted()
    {
        var (tenant, name) = NewTenant();
        string id = await tenant.StartAsync();
        await tenant.TurnAsync(id, "Which model are you?");
        var arena = server.Server.Arena!;
        // The tiny models never say their names; a battle whose answers do is written beside the server, as it would store it.
        var battle = new ArenaBattle("battle_" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..12]), name, ArenaServer.ModelName, ArenaServer.SecondModel, DateTimeOffset.UtcNow);
        arena.Store.AddBattle(battle);
        Assert.True(arena.Store.AddTurn(battle.Tenant, battle.Id, 0, new ArenaTurn("Which model are you?", "I am Tiny-Chat, at your service.", "No idea.", 7, 2), DateTimeOffset.UtcNow));

        var vote = await tenant.VoteAsync(battle.Id, new { winner = "a" });
        Assert.False(vote.GetProperty("counted").GetBoolean());
        Assert.Equal("reveals_model_name", vote.GetProperty("excluded_reason").GetString());
        Assert.Equal("reveals_model_name", (await tenant.GetAsync(battle.Id)).GetProperty("vote").GetProperty("excluded_reason").GetString());
        Assert.True((await tenant.VoteAsync(id, new { winner = "b" })).GetProperty("counted").GetBoolean());
        Assert.Equal(1, (await tenant.LeaderboardAsync()).GetProperty("total_battles").GetInt32());
    }

    [Fact]
    public async Task TheLeaderboardRatesTheTenantsCountedVotes()
    {
        var (tenant, _) = NewTenant();
        var winners = new[] { "a", "b", "a", "tie", "both_bad" };
        var models = new List<(string A, string B, string Winner)>();
        foreach (string winner in winners)
        {
            string id = await tenant.StartAsync();
            await tenant.TurnAsync(id, $"Question {models.Count}: what is {models.Count} + 1?");
            var vote = await tenant.VoteAsync(id, new { winner });
            models.Add((vote.GetProperty("models").GetProperty("a").GetString()!, vote.GetProperty("models").GetProperty("b").GetString()!, winner));
        }

        var board = await tenant.LeaderboardAsync();
        Assert.Equal("arena.leaderboard", board.GetProperty("object").GetString());
        Assert.False(board.GetProperty("style_control").GetBoolean());
        Assert.Equal(winners.Length, board.GetProperty("total_battles").GetInt32());
        var entries = board.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(ArenaServer.ModelNames.Order(), entries.Select(e => e.GetProperty("model").GetString()!).Order());
        foreach (var entry in entries)
        {
            string model = entry.GetProperty("model").GetString()!;
            Assert.Equal(winners.Length, entry.GetProperty("battles").GetInt32());
            int wins = models.Count(m => (m.Winner == "a" && m.A == model) || (m.Winner == "b" && m.B == model));
            Assert.Equal(wins, entry.GetProperty("wins").GetInt32());
            Assert.Equal(2, entry.GetProperty("ties").GetInt32());   // both_bad counts as a tie
            Assert.Equal(winners.Length - 2 - wins, entry.GetProperty("losses").GetInt32());
            Assert.InRange(entry.GetProperty("rating").GetDouble(), entry.GetProperty("lower").GetDouble(), entry.GetProperty("upper").GetDouble());
        }
        Assert.Equal(JsonValueKind.Null, board.GetProperty("win_rate")[0][0].ValueKind);
        Assert.Equal(winners.Length, board.GetProperty("battle_counts")[0][1].GetInt32());

        var styled = await tenant.LeaderboardAsync("?style_control=true");
        Assert.True(styled.GetProperty("style_control").GetBoolean());
        Assert.Equal(winners.Length, styled.GetProperty("total_battles").GetInt32());
    }

    [Fact]
    public async Task TheArenaNeedsAStoreAndTwoChatModels()
    {
        // The one-model server answers 501 without a store, 409 with one.
        var store = new StoreLocation.Sqlite(Path.Combine(TestPaths.NewTemporaryDirectory(), "strata.db"));
        foreach (var (options, status, code) in new[]
        {
            (RunningServer.DefaultOptions(), HttpStatusCode.NotImplemented, "arena_disabled"),
            (RunningServer.DefaultOptions() with { Store = store }, HttpStatusCode.Conflict, "not_enough_models"),
        })
        {
            await using var running = StrataServer.Create(options);
            await running.StartAsync();
            await running.Loading;
            using var client = new HttpClient { BaseAddress = new Uri(running.Addresses.First() + "/") };
            var error = await RunningServer.SendAsync(client, HttpMethod.Post, "v1/arena/battles", expected: status);
            Assert.Equal(code, error.GetProperty("error").GetProperty("code").GetString());
        }
    }
}
