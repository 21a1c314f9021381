using Strata.Evaluation.Ratings;
using Strata.Serving.Arena;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Arena;

/// <summary>
/// What every arena store does, whatever holds it: battles, turns and votes read back as written, tenants never see
/// each other's rows, races on one battle are decided by the database, and the counts hygiene relies on. Run once per
/// store by <see cref="SqliteArenaStoreTests"/> and <see cref="PostgresArenaStoreTests"/>.
/// </summary>
public abstract class ArenaStoreContract : IDisposable
{
    private readonly List<IArenaStore> opened = [];
    private StoreLocation? location;
    private IArenaStore? store;

    protected static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);

    /// <summary>A place no store has been opened at yet.</summary>
    protected abstract StoreLocation NewLocation();

    protected StoreLocation Location => location ??= NewLocation();

    protected IArenaStore Store => store ??= Open(Location);

    protected IArenaStore Open(StoreLocation at)
    {
        var opening = ArenaStores.Open(at);
        opened.Add(opening);
        return opening;
    }

    public void Dispose()
    {
        foreach (var s in opened) s.Dispose();
        GC.SuppressFinalize(this);
    }

    private static int next;

    protected static ArenaBattle NewBattle(string tenant = "acme", string a = "alpha", string b = "beta") =>
        new($"battle_{Interlocked.Increment(ref next):x24}", tenant, a, b, T0);

    protected static ArenaTurn Turn(string message = "Hi", string answerA = "Hello!", string answerB = "Hey.") => new(message, answerA, answerB, 3, 2);

    protected static ArenaVote Vote(BattleOutcome outcome = BattleOutcome.A, string voter = "v1", string prompt = "p1", VoteExclusion? excluded = null, DateTimeOffset? at = null) =>
        new(outcome, voter, prompt, at ?? T0.AddMinutes(5), excluded);

    /// <summary>A battle with one turn, stored.</summary>
    protected ArenaBattle Played(string tenant = "acme", string a = "alpha", string b = "beta")
    {
        var battle = NewBattle(tenant, a, b);
        Store.AddBattle(battle);
        Assert.True(Store.AddTurn(tenant, battle.Id, 0, Turn(), T0.AddMinutes(1)));
        return battle;
    }

    /// <summary>Battles are equal when their fields, turns (in order) and votes are: records compare lists by reference.</summary>
    protected static void AssertSame(ArenaBattle expected, ArenaBattle? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal((expected.Id, expected.Tenant, expected.ModelA, expected.ModelB, expected.CreatedAt), (actual.Id, actual.Tenant, actual.ModelA, actual.ModelB, actual.CreatedAt));
        Assert.Equal(expected.Turns, actual.Turns);
        Assert.Equal(expected.Vote, actual.Vote);
    }

    [Fact]
    public void BattlesTurnsAndVotesReadBackAsWritten()
    {
        var battle = NewBattle();
        Store.AddBattle(battle);
        AssertSame(battle, Store.Find("acme", battle.Id));

        var first = new ArenaTurn("Write a haiku 🌸", "桜が咲く\n静かな朝", "**Spring**\n- blossoms", 11, 7);
        var second = Turn("And another?", "Sure.", "");
        Assert.True(Store.AddTurn("acme", battle.Id, 0, first, T0.AddMinutes(1)));
        Assert.True(Store.AddTurn("acme", battle.Id, 1, second, T0.AddMinutes(2)));
        var vote = Vote(BattleOutcome.BothBad, excluded: VoteExclusion.DuplicatePrompt);
        Assert.True(Store.AddVote("acme", battle.Id, vote));

        // Another instance (a replica, or the server after a restart) reads the same.
        var found = Open(Location).Find("acme", battle.Id);
        AssertSame(battle with { Turns = [first, second], Vote = vote }, found);
        Assert.False(found!.Vote!.Counted);
    }

    [Fact]
    public void TenantsNeverSeeOrChangeEachOthersBattles()
    {
        var battle = NewBattle("acme");
        Store.AddBattle(battle);
        Assert.Null(Store.Find("globex", battle.Id));
        Assert.Null(Store.Find("Acme", battle.Id));
        Assert.False(Store.AddTurn("globex", battle.Id, 0, Turn(), T0));
        Assert.False(Store.AddVote("globex", battle.Id, Vote()));
        Assert.Empty(Store.Find("acme", battle.Id)!.Turns);

        Assert.True(Store.AddTurn("acme", battle.Id, 0, Turn(), T0));
        Assert.True(Store.AddVote("acme", battle.Id, Vote(voter: "same", prompt: "same")));
        Assert.Null(Store.Find("globex", battle.Id));
        Assert.Equal(0, Store.VotesSince("globex", "same", T0));
        Assert.Equal(0, Store.CountedVotes("globex", "same"));
        Assert.Empty(Store.CountedBattles("globex", withTurns: true));
        Assert.Single(Store.CountedBattles("acme", withTurns: false));
    }

    [Fact]
    public void UnknownBattlesTakeNoTurnsOrVotes()
    {
        Assert.Null(Store.Find("acme", "battle_ffffffffffffffffffffffff"));
        Assert.False(Store.AddTurn("acme", "battle_ffffffffffffffffffffffff", 0, Turn(), T0));
        Assert.False(Store.AddVote("acme", "battle_ffffffffffffffffffffffff", Vote()));
    }

    [Fact]
    public void ABattleTakesOneVoteAndNoTurnAfterIt()
    {
        var battle = Played();
        Assert.True(Store.AddVote("acme", battle.Id, Vote(BattleOutcome.A)));
        Assert.False(Open(Location).AddVote("acme", battle.Id, Vote(BattleOutcome.B)));
        Assert.Equal(BattleOutcome.A, Store.Find("acme", battle.Id)!.Vote!.Outcome);
        Assert.False(Store.AddTurn("acme", battle.Id, 1, Turn("late"), T0));
        Assert.Single(Store.Find("acme", battle.Id)!.Turns);
    }

    [Fact]
    public void OfTwoTurnsRacingForOneNumberTheFirstIsKept()
    {
        var battle = Played();
        Assert.False(Open(Location).AddTurn("acme", battle.Id, 0, Turn("second writer"), T0));
        Assert.Equal("Hi", Store.Find("acme", battle.Id)!.Turns.Single().Message);
    }

    [Fact]
    public async Task ConcurrentVotesOnOneBattleStoreExactlyOne()
    {
        var battle = Played();
        var stores = Enumerable.Range(0, 4).Select(_ => Open(Location)).ToList();
        using var start = new Barrier(8);
        var votes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            start.SignalAndWait();
            return stores[i % 4].AddVote("acme", battle.Id, Vote(i % 2 == 0 ? BattleOutcome.A : BattleOutcome.B, voter: $"v{i}"));
        })));
        Assert.Equal(1, votes.Count(v => v));
    }

    [Fact]
    public void VotesAreCountedByVoterSinceATimeLeavingOutThoseOverTheCap()
    {
        VoteExclusion?[] fates = [null, VoteExclusion.DuplicatePrompt, VoteExclusion.DailyCap];
        for (int i = 0; i < fates.Length; i++)
        {
            var battle = Played();
            Assert.True(Store.AddVote("acme", battle.Id, Vote(voter: "v1", excluded: fates[i], at: T0.AddHours(i))));
        }
        var other = Played();
        Store.AddVote("acme", other.Id, Vote(voter: "v2", at: T0));
        Assert.Equal(2, Store.VotesSince("acme", "v1", T0));
        Assert.Equal(1, Store.VotesSince("acme", "v1", T0.AddMinutes(1)));
        Assert.Equal(1, Store.VotesSince("acme", "v1", T0.AddHours(1)));
        Assert.Equal(0, Store.VotesSince("acme", "v1", T0.AddHours(1).AddMilliseconds(1)));
        Assert.Equal(1, Store.VotesSince("acme", "v2", T0));
    }

    [Fact]
    public void OnlyCountedVotesCountForAPromptAndTheLeaderboard()
    {
        var counted = Played(a: "alpha", b: "beta");
        var excluded = Played(a: "beta", b: "gamma");
        var otherPrompt = Played(a: "gamma", b: "alpha");
        Played();   // no vote
        Store.AddVote("acme", counted.Id, Vote(BattleOutcome.B, prompt: "hello", at: T0.AddMinutes(3)));
        Store.AddVote("acme", excluded.Id, Vote(prompt: "hello", excluded: VoteExclusion.RevealsModelName));
        Store.AddVote("acme", otherPrompt.Id, Vote(BattleOutcome.Tie, prompt: "other", at: T0.AddMinutes(1)));
        Assert.Equal(1, Store.CountedVotes("acme", "hello"));
        Assert.Equal(1, Store.CountedVotes("acme", "other"));
        Assert.Equal(0, Store.CountedVotes("acme", "never"));

        var bare = Store.CountedBattles("acme", withTurns: false);
        Assert.Equal([otherPrompt.Id, counted.Id], bare.Select(b => b.Id));   // oldest vote first
        Assert.All(bare, b => Assert.Empty(b.Turns));
        Assert.Equal([BattleOutcome.Tie, BattleOutcome.B], bare.Select(b => b.Vote!.Outcome));
        Assert.Equal(("gamma", "alpha"), (bare[0].ModelA, bare[0].ModelB));
        var full = Store.CountedBattles("acme", withTurns: true);
        Assert.All(full, b => Assert.Equal([Turn()], b.Turns));
    }

    [Fact]
    public void NulCharactersAreStoredAsReplacementCharacters()
    {
        // PostgreSQL's text refuses NUL, which byte-level model output can hold; both stores keep U+FFFD instead.
        var battle = NewBattle();
        Store.AddBattle(battle);
        Assert.True(Store.AddTurn("acme", battle.Id, 0, new ArenaTurn("a\0b", "c\0", "\0d", 1, 1), T0));
        Assert.Equal(new ArenaTurn("a\uFFFDb", "c\uFFFD", "\uFFFDd", 1, 1), Store.Find("acme", battle.Id)!.Turns.Single());
    }
}
