using Strata.Serving.Security;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Keys;

/// <summary>
/// What every key store does, whatever holds it: what it keeps, in what order, and who it lets in. Run once per store
/// by <see cref="SqliteApiKeyStoreTests"/> and <see cref="PostgresApiKeyStoreTests"/>, which add what only theirs has.
/// </summary>
public abstract class ApiKeyStoreContract
{
    /// <summary>A place no store has been opened at yet.</summary>
    protected abstract StoreLocation NewLocation();

    protected IApiKeyStore OpenNew(TimeProvider? time = null) => ApiKeyStores.Open(NewLocation(), time);

    [Fact]
    public void CreateListAuthenticateRoundTrip()
    {
        var location = NewLocation();
        CreatedKey created;
        using (var store = ApiKeyStores.Open(location))
        {
            created = store.Create("acme", "ci");
        }
        Assert.Matches("^sk-strata-[A-Za-z0-9_-]{32}$", created.Key);
        Assert.Equal(created.Key[..16], created.Record.Prefix);
        Assert.Matches("^key_[0-9a-f]{12}$", created.Record.Id);
        Assert.Null(created.Record.RevokedAt);

        // A second open of the same store (as the server does after `strata keys create`) sees the key.
        using var reopened = ApiKeyStores.Open(location);
        Assert.Equal(location, reopened.Location);
        var listed = Assert.Single(reopened.List());
        Assert.Equal(created.Record, listed);
        var authenticated = reopened.Authenticate(created.Key);
        Assert.NotNull(authenticated);
        Assert.Equal("acme", authenticated.Tenant);
        Assert.Equal("ci", authenticated.Name);
        Assert.NotNull(authenticated.LastUsedAt);
        Assert.Equal(created.Record.Id, reopened.Find(created.Record.Prefix)?.Id);
        Assert.Equal(created.Record.Id, reopened.Find(created.Record.Id)?.Id);
        Assert.True(reopened.HasAnyKeys());
    }

    [Fact]
    public void KeysAreRandomAndDistinct()
    {
        using var store = OpenNew();
        Assert.False(store.HasAnyKeys());
        var keys = Enumerable.Range(0, 50).Select(_ => store.Create("t", null)).ToList();
        Assert.Equal(50, keys.Select(k => k.Key).Distinct().Count());
        Assert.Equal(50, keys.Select(k => k.Record.Id).Distinct().Count());
        Assert.All(keys, k => Assert.Equal(k.Record.Id, store.Authenticate(k.Key)?.Id));
    }

    [Fact]
    public void RevokedKeysNoLongerAuthenticate()
    {
        using var store = OpenNew();
        var kept = store.Create("acme", "kept");
        var byId = store.Create("acme", "by id");
        var byPrefix = store.Create("acme", "by prefix");

        Assert.True(store.Revoke(byId.Record.Id));
        Assert.True(store.Revoke(byPrefix.Record.Prefix));
        Assert.Null(store.Authenticate(byId.Key));
        Assert.Null(store.Authenticate(byPrefix.Key));
        Assert.NotNull(store.Authenticate(kept.Key));

        var revoked = store.Find(byId.Record.Id)!;
        Assert.NotNull(revoked.RevokedAt);
        Assert.True(store.Revoke(byId.Record.Id)); // still revoked, first time kept
        Assert.Equal(revoked.RevokedAt, store.Find(byId.Record.Id)!.RevokedAt);
        Assert.False(store.Revoke("key_000000000000"));
        Assert.False(store.Revoke("sk-strata-nope"));
        Assert.False(store.Revoke(byId.Record.Id + "\0"));
        Assert.Equal(3, store.List().Count); // revoked keys stay listed
        Assert.True(store.HasAnyKeys());
    }

    [Fact]
    public void TenantsAreListedSeparately()
    {
        // A frozen clock: all three keys share one timestamp, as keys created within a millisecond do.
        var clock = new ManualClock(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var store = OpenNew(clock);
        var a1 = store.Create("alpha", "one");
        var b1 = store.Create("beta", null);
        var a2 = store.Create("alpha", "two");

        Assert.Equal([a1.Record.Id, a2.Record.Id], store.List("alpha").Select(r => r.Id));
        Assert.Equal([b1.Record.Id], store.List("beta").Select(r => r.Id));
        Assert.Empty(store.List("gamma"));
        Assert.Equal(3, store.List().Count);
        Assert.Equal("beta", store.Authenticate(b1.Key)?.Tenant);
        Assert.Equal("alpha", store.Authenticate(a2.Key)?.Tenant);
    }

    [Theory]
    [InlineData("ALPHA")]          // case: tenants are compared exactly
    [InlineData("alph_")]          // LIKE's one-character wildcard, and legal in tenant names
    [InlineData("alpha%")]         // LIKE's any-characters wildcard
    [InlineData("%")]
    [InlineData("alpha ")]         // trailing space: SQL's padded comparison for CHAR would match it
    [InlineData("alpha' OR '1'='1")]
    [InlineData("alpha\0")]          // PostgreSQL refuses NUL in text: the answer must still be "none", not an error
    [InlineData("alpha\n")]
    [InlineData("")]
    public void AnotherTenantsListingNeverReachesAKey(string otherTenant)
    {
        // Tenant B sees only what a listing filtered to B gives it, and revokes only through what it sees: whatever
        // B's name looks like, A's key is not in its listing and survives B revoking everything listed.
        using var store = OpenNew();
        var alpha = store.Create("alpha", "a's key");
        var other = otherTenant.Length > 0 && otherTenant.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')
            ? store.Create(otherTenant, "b's key")
            : null;

        var seen = store.List(otherTenant);
        Assert.DoesNotContain(seen, r => r.Id == alpha.Record.Id || r.Tenant != otherTenant);
        Assert.Equal(other is null ? [] : [other.Record.Id], seen.Select(r => r.Id));
        foreach (var record in seen) Assert.True(store.Revoke(record.Id));

        Assert.Equal("alpha", store.Authenticate(alpha.Key)?.Tenant);
        Assert.Null(Assert.Single(store.List("alpha")).RevokedAt);
        if (other is not null) Assert.Null(store.Authenticate(other.Key));
    }

    [Fact]
    public void KeysAreListedByCreationTimeThenCreationOrder()
    {
        // Sixteen keys in one clock tick: ordered by their random ids, they would come back in creation order once in
        // 16! listings, so this fails on any tie-break other than insertion order.
        var clock = new ManualClock(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var store = OpenNew(clock);
        var sameTick = Enumerable.Range(0, 16).Select(i => store.Create("acme", $"key {i}").Record.Id).ToList();
        Assert.Equal(sameTick, store.List().Select(r => r.Id));
        Assert.Equal(sameTick, store.List("acme").Select(r => r.Id));

        // Time still comes first: a key stamped earlier (a clock stepped back) lists before the ones stamped later.
        clock.Now -= TimeSpan.FromSeconds(1);
        string earlier = store.Create("acme", "earlier").Record.Id;
        Assert.Equal([earlier, .. sameTick], store.List().Select(r => r.Id));
    }

    [Fact]
    public void TwoInstancesSeeEachOthersKeysAndRevocationsImmediately()
    {
        // Two servers on one store (replicas behind a load balancer, or a server and `strata keys` beside it).
        var location = NewLocation();
        var clock = new ManualClock(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var first = ApiKeyStores.Open(location, clock);
        using var second = ApiKeyStores.Open(location, clock);
        Assert.False(second.HasAnyKeys());

        var created = first.Create("acme", "made on the first");
        Assert.True(second.HasAnyKeys());
        Assert.Equal("acme", second.Authenticate(created.Key)?.Tenant);
        Assert.Equal(created.Record.Id, second.Find(created.Record.Prefix)?.Id);

        Assert.True(second.Revoke(created.Record.Id));
        Assert.Null(first.Authenticate(created.Key));
        Assert.NotNull(first.Find(created.Record.Id)?.RevokedAt);

        // Creations interleaved across instances within one clock tick list in the order they happened.
        var order = Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? first : second).Create("acme", $"key {i}").Record.Id).ToList();
        Assert.Equal([created.Record.Id, .. order], first.List().Select(r => r.Id));
        Assert.Equal(first.List(), second.List());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("has space", "letters, digits")]
    [InlineData("semi;colon", "letters, digits")]
    [InlineData("ünïcode", "letters, digits")]
    [InlineData("a/b", "letters, digits")]
    [InlineData("acme\n", "letters, digits")] // a regex's $ would let a final newline through
    public void InvalidTenantsAreRejected(string tenant, string expected)
    {
        using var store = OpenNew();
        var e = Assert.Throws<ArgumentException>(() => store.Create(tenant, null));
        Assert.Contains(expected, e.Message);
        Assert.Equal("tenant", e.ParamName);
        Assert.Empty(store.List());
    }

    [Fact]
    public void InvalidNamesAreRejected()
    {
        using var store = OpenNew();
        Assert.Contains("129 characters", Assert.Throws<ArgumentException>(() => store.Create("acme", new string('n', 129))).Message);
        Assert.Contains("control characters", Assert.Throws<ArgumentException>(() => store.Create("acme", "a\u001b[2Jb")).Message);
        Assert.Null(store.Create("acme", "   ").Record.Name);
        Assert.Equal("trimmed", store.Create("acme", "  trimmed ").Record.Name);
        Assert.Equal([null, "trimmed"], store.List().Select(r => r.Name));
    }

    [Fact]
    public void KeysThatOnlyResembleAStoredKeyAreRejected()
    {
        using var store = OpenNew();
        var created = store.Create("acme", null);
        string key = created.Key;
        char last = key[^1] == 'A' ? 'B' : 'A';
        Assert.Null(store.Authenticate(key[..^1] + last));  // same prefix, so same candidate row: only the hash differs
        Assert.Null(store.Authenticate(key[..16] + new string('A', 26)));
        Assert.Null(store.Authenticate(key + "x"));
        Assert.Null(store.Authenticate(key[..^1]));
        Assert.Null(store.Authenticate(key.ToUpperInvariant()));
        Assert.Null(store.Authenticate(created.Record.Prefix));
        Assert.Null(store.Authenticate(created.Record.Id));
        Assert.Null(store.Authenticate(""));
        Assert.NotNull(store.Authenticate(key));
    }

    [Fact]
    public void LastUseIsRecordedAtMostOnceAMinute()
    {
        var clock = new ManualClock(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var store = OpenNew(clock);
        var created = store.Create("acme", null);
        Assert.Null(store.List()[0].LastUsedAt);

        store.Authenticate(created.Key);
        Assert.Equal(clock.Now, store.List()[0].LastUsedAt);
        var first = clock.Now;
        clock.Now += TimeSpan.FromSeconds(30);
        store.Authenticate(created.Key);
        Assert.Equal(first, store.List()[0].LastUsedAt);
        clock.Now += TimeSpan.FromSeconds(31);
        store.Authenticate(created.Key);
        Assert.Equal(clock.Now, store.List()[0].LastUsedAt);
    }

    [Fact]
    public void TimesKeepTheirMilliseconds()
    {
        var clock = new ManualClock(new DateTimeOffset(2025, 3, 1, 12, 0, 0, 123, TimeSpan.Zero).AddTicks(4567));
        using var store = OpenNew(clock);
        var created = store.Create("acme", null);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 0, 0, 123, TimeSpan.Zero), created.Record.CreatedAt);
        Assert.Equal(created.Record, Assert.Single(store.List()));
    }

    [Fact]
    public async Task ConcurrentAuthenticationsWhileKeysAreCreated()
    {
        var location = NewLocation();
        using var store = ApiKeyStores.Open(location);
        var keys = Enumerable.Range(0, 4).Select(i => store.Create($"t{i}", null)).ToArray();
        using var writer = ApiKeyStores.Open(location); // a second instance, as `strata keys` beside a running server
        var readers = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (int i = 0; i < 50; i++)
            {
                var key = keys[(worker + i) % keys.Length];
                Assert.Equal(key.Record.Tenant, store.Authenticate(key.Key)?.Tenant);
            }
        }));
        var writes = Task.Run(() =>
        {
            for (int i = 0; i < 20; i++) writer.Create("late", null);
        });
        await Task.WhenAll(readers.Append(writes));
        Assert.Equal(20, store.List("late").Count);
    }

    [Fact]
    public void CreatedKeyDoesNotPrintItsSecret()
    {
        using var store = OpenNew();
        var created = store.Create("acme", null);
        Assert.DoesNotContain(created.Key, created.ToString());
        Assert.Contains(created.Record.Prefix, created.ToString());
    }
}
