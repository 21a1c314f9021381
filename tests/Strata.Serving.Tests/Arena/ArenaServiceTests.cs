using Strata.Evaluation.Ratings;
using Strata.Serving.Api;
using Strata.Serving.Arena;
using Strata.Serving.Metrics;
using Strata.Serving.Registry;
using Strata.Serving.Storage;
using Strata.Serving.Tests.Keys;

namespace Strata.Serving.Tests.Arena;

/// <summary>
/// <see cref="ArenaService"/>'s votes over a real SQLite store, on battles written straight into it (so no model has
/// to generate): which votes count, how voters are kept, and what the leaderboard is fitted on.
/// </summary>
public sealed class ArenaServiceTests : IDisposable
{
    private readonly ManualClock clock = new(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly IArenaStore store = ArenaStores.Open(new StoreLocation.Sqlite(Path.Combine(TestPaths.NewTemporaryDirectory(), "strata.db")));
    private readonly ModelRegistry registry = new([new ModelSource("unloaded", "alpha")]);
    private int battles;

    public void Dispose()
    {
        store.Dispose();
        registry.Dispose();
    }

    private ArenaService Service(ArenaOptions? options = null) => new(store, registry, new ServerMetrics(), options, clock);

    /// <summary>A battle with one turn, stored for <paramref name="tenant"/>.</summary>
    private string Played(string message = "Hello", string tenant = "acme", string answerA = "Hi!", string answerB = "Hello.", string a = "alpha", string b = "beta")
    {
        var battle = new ArenaBattle($"battle_{++battles:x24}", tenant, a, b, clock.GetUtcNow());
        store.AddBattle(battle);
        Assert.True(store.AddTurn(tenant, battle.Id, 0, new ArenaTurn(message, answerA, answerB, 2, 2), clock.GetUtcNow()));
        return battle.Id;
    }

    [Fact]
    public void AVoterPastTheDailyCapIsStoredButNotCountedUntilADayHasPassed()
    {
        var arena = Service(new ArenaOptions { DailyVoteCap = 2 });
        Assert.Null(arena.Vote("acme", Played("one"), "a", "voter-1").Vote!.Excluded);
        clock.Now += TimeSpan.FromHours(1);
        Assert.Null(arena.Vote("acme", Played("two"), "b", "voter-1").Vote!.Excluded);
        Assert.Equal(VoteExclusion.DailyCap, arena.Vote("acme", Played("three"), "a", "voter-1").Vote!.Excluded);
        // Others, and the same id in another tenant, are other voters.
        Assert.Null(arena.Vote("acme", Played("four"), "a", "voter-2").Vote!.Excluded);
        Assert.Null(arena.Vote("globex", Played("five", tenant: "globex"), "a", "voter-1").Vote!.Excluded);
        // A rolling day: the first vote has left the window half an hour ago; the second leaves it in half an hour.
        clock.Now += TimeSpan.FromHours(23.5);
        Assert.Null(arena.Vote("acme", Played("six"), "tie", "voter-1").Vote!.Excluded);
        Assert.Equal(VoteExclusion.DailyCap, arena.Vote("acme", Played("seven"), "a", "voter-1").Vote!.Excluded);
        Assert.Equal(4, store.CountedBattles("acme", withTurns: false).Count);
    }

    [Fact]
    public void APromptWithItsShareOfCountedVotesCountsNoMore()
    {
        var arena = Service(new ArenaOptions { PromptVoteLimit = 2 });
        Assert.Null(arena.Vote("acme", Played("Hi there"), "a", "v1").Vote!.Excluded);
        // Another voter's vote on an answer naming a model is set aside, and so does not use up the prompt's share.
        Assert.Equal(VoteExclusion.RevealsModelName, arena.Vote("acme", Played("hi  THERE\n", answerA: "I am alpha."), "a", "v2").Vote!.Excluded);
        Assert.Null(arena.Vote("acme", Played(" Hi there"), "b", "v3").Vote!.Excluded);
        Assert.Equal(VoteExclusion.DuplicatePrompt, arena.Vote("acme", Played("HI THERE"), "a", "v4").Vote!.Excluded);
        Assert.Null(arena.Vote("acme", Played("Hi there, how are you?"), "a", "v4").Vote!.Excluded);
        Assert.Null(arena.Vote("globex", Played("Hi there", tenant: "globex"), "a", "v4").Vote!.Excluded);
        Assert.Equal(3, store.CountedBattles("acme", withTurns: false).Count);
    }

    [Theory]
    [InlineData("As alpha, I think so.", "No.")]
    [InlineData("Fine.", "BETA here!")]
    [InlineData("(alpha)", "")]
    public void AnswersNamingEitherModelAreSetAside(string answerA, string answerB)
    {
        var vote = Service().Vote("acme", Played(answerA: answerA, answerB: answerB), "b", "v1").Vote!;
        Assert.Equal(VoteExclusion.RevealsModelName, vote.Excluded);
        Assert.Empty(store.CountedBattles("acme", withTurns: false));
        Assert.Equal(vote, store.Find("acme", $"battle_{battles:x24}")!.Vote);
    }

    [Fact]
    public void VotersAreStoredOnlyAsHashesWithTheTenant()
    {
        var vote = Service().Vote("acme", Played(), "a", "key:key_0123456789ab").Vote!;
        Assert.Equal(VoteHygiene.VoterHash("acme", "key:key_0123456789ab"), vote.Voter);
        Assert.Matches("^[0-9a-f]{64}$", vote.Voter);
        Assert.NotEqual(VoteHygiene.VoterHash("globex", "key:key_0123456789ab"), vote.Voter);
        Assert.Equal(vote, store.Find("acme", $"battle_{battles:x24}")!.Vote);
        Assert.Equal(clock.GetUtcNow(), vote.CreatedAt);
    }

    [Fact]
    public void VotesAreRefusedTwiceBeforeATurnAndForUnknownOutcomes()
    {
        var arena = Service();
        string id = Played();
        Assert.Equal(400, Assert.Throws<ApiException>(() => arena.Vote("acme", id, "draw", "v")).Status);
        Assert.Equal(404, Assert.Throws<ApiException>(() => arena.Vote("globex", id, "a", "v")).Status);
        arena.Vote("acme", id, "both_bad", "v");
        Assert.Equal("already_voted", Assert.Throws<ApiException>(() => arena.Vote("acme", id, "a", "v")).Code);
        var fresh = new ArenaBattle($"battle_{++battles:x24}", "acme", "alpha", "beta", clock.GetUtcNow());
        store.AddBattle(fresh);
        Assert.Equal("no_turns", Assert.Throws<ApiException>(() => arena.Vote("acme", fresh.Id, "a", "v")).Code);
    }

    [Fact]
    public void StartingWaitsForTheModels()
    {
        var e = Assert.Throws<ApiException>(() => Service().Start("acme"));
        Assert.Equal(503, e.Status);
    }

    [Fact]
    public void TheLeaderboardIsFittedOnTheTenantsCountedVotesAlone()
    {
        var arena = Service(new ArenaOptions { PromptVoteLimit = 100 });
        Assert.Empty(arena.Leaderboard("acme", styleControl: false).Entries);
        for (int i = 0; i < 10; i++)
        {
            // alpha beats beta 8 times in 10, from either side.
            bool alphaOnA = i % 2 == 0;
            string winner = (i < 8) == alphaOnA ? "a" : "b";
            arena.Vote("acme", Played($"q{i}", a: alphaOnA ? "alpha" : "beta", b: alphaOnA ? "beta" : "alpha"), winner, $"v{i}");
        }
        // Set aside: a vote for beta whose answer names it; another tenant's votes for beta.
        arena.Vote("acme", Played("q", answerB: "beta wins"), "b", "v");
        for (int i = 0; i < 5; i++) arena.Vote("globex", Played($"g{i}", tenant: "globex"), "b", "v");

        var board = arena.Leaderboard("acme", styleControl: false);
        Assert.Equal(10, board.TotalBattles);
        Assert.Equal(["alpha", "beta"], board.Entries.Select(e => e.Model));
        Assert.Equal((8, 0, 2), (board.Entries[0].Wins, board.Entries[0].Ties, board.Entries[0].Losses));
        Assert.True(board.Entries[0].Rating > board.Entries[1].Rating);
        Assert.Equal(5, arena.Leaderboard("globex", styleControl: false).TotalBattles);
        Assert.True(arena.Leaderboard("acme", styleControl: true).Options.StyleControl);
    }

    [Fact]
    public void StyleIsMeasuredOverEverySideAnswerWithTheTokensTheModelGenerated()
    {
        var battle = new ArenaBattle("battle_1", "acme", "alpha", "beta", clock.GetUtcNow())
        {
            Turns = [new ArenaTurn("q1", "# Title\n- one", "plain", 5, 1), new ArenaTurn("q2", "**bold**", "also plain", 3, 2)],
            Vote = new ArenaVote(BattleOutcome.A, "v", "p", clock.GetUtcNow(), null),
        };
        Assert.Equal(AnswerStyle.Of("# Title\n- one\n\n**bold**", 8), ArenaRatings.Style(battle, ArenaSide.A));
        var rated = ArenaRatings.ToBattle(battle, withStyle: true);
        Assert.Equal(AnswerStyle.Of("plain\n\nalso plain", 3), rated.StyleB);
        Assert.Null(ArenaRatings.ToBattle(battle, withStyle: false).StyleA);
    }

    [Fact]
    public void ExportGivesTheTenantsCountedVotesInChatbotArenasShape()
    {
        var arena = Service();
        string counted = Played("What is 2+2?", answerA: "4", answerB: "5");
        Assert.True(store.AddTurn("acme", counted, 1, new ArenaTurn("And 3+3?", "6", "7", 1, 1), clock.GetUtcNow()));
        arena.Vote("acme", counted, "a", "v1");
        arena.Vote("acme", Played("x", answerA: "alpha here"), "a", "v2");   // names a model: stored, not counted
        arena.Vote("globex", Played("y", tenant: "globex"), "b", "v3");

        var vote = Assert.Single(ArenaExport.CountedVotes(store, "acme"));
        string file = Path.Combine(TestPaths.NewTemporaryDirectory(), "votes.jsonl");
        File.WriteAllText(file, vote.ToJson().ToJsonString() + "\n");
        var read = Assert.Single(Strata.Evaluation.Judging.HumanVote.Load(file));
        Assert.Equal((counted, "alpha", "beta", BattleOutcome.A), (read.Id, read.ModelA, read.ModelB, read.Outcome));
        Assert.Equal(["What is 2+2?", "And 3+3?"], read.Messages);
        Assert.Equal(["4", "6"], read.AnswersA);
        Assert.Equal(["5", "7"], read.AnswersB);
        Assert.Equal("model_a", vote.ToJson()["winner"]!.GetValue<string>());
    }
}
