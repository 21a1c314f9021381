using System.Net;
using Strata.Serving.Arena;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Arena;

/// <summary>
/// <c>/v1/arena</c> with the server's store in PostgreSQL (<c>--store postgres://…</c>): what is played through the
/// server is what another replica reads, and a vote cast through either is the battle's only vote.
/// </summary>
public sealed class PostgresArenaEndpointTests(PostgresArenaServer server) : IClassFixture<PostgresArenaServer>
{
    [Fact]
    public async Task BattlesPlayedThroughTheServerAreSharedWithAnotherReplica()
    {
        var acme = new ArenaClient(server.ClientFor(server.AcmeKey));
        using var replica = ArenaStores.Open(server.Store);

        string id = await acme.StartAsync();
        var turn = await acme.TurnAsync(id, "Hello from a replica test");
        var seen = replica.Find("acme", id);
        Assert.NotNull(seen);
        Assert.Equal(turn.Answer("a"), seen.Turns.Single().AnswerA);
        Assert.Equal(turn.Answer("b"), seen.Turns.Single().AnswerB);
        Assert.Null(replica.Find("globex", id));

        var vote = await acme.VoteAsync(id, new { winner = "tie" });
        Assert.Equal(vote.GetProperty("models").GetProperty("a").GetString(), seen.ModelA);
        Assert.Equal(Evaluation.Ratings.BattleOutcome.Tie, replica.Find("acme", id)!.Vote!.Outcome);
        Assert.False(replica.AddVote("acme", id, replica.Find("acme", id)!.Vote! with { Outcome = Evaluation.Ratings.BattleOutcome.A }));

        // A battle voted on through another replica takes no vote here, and no further turn.
        string other = await acme.StartAsync();
        await acme.TurnAsync(other, "Second battle");
        var elsewhere = new ArenaVote(Evaluation.Ratings.BattleOutcome.B, VoteHygiene.VoterHash("acme", "elsewhere"), VoteHygiene.PromptKey("Second battle"), DateTimeOffset.UtcNow, null);
        Assert.True(replica.AddVote("acme", other, elsewhere));
        Assert.Equal("already_voted", (await acme.VoteAsync(other, new { winner = "a" }, HttpStatusCode.Conflict)).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("battle_closed", (await acme.RefusedTurnAsync(other, new { message = "more" }, HttpStatusCode.Conflict)).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(2, (await acme.LeaderboardAsync()).GetProperty("total_battles").GetInt32());
    }
}
