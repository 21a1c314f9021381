using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Strata.Serving.Security;

namespace Strata.Serving.Tests.Keys;

/// <summary>The SQLite key store: what it keeps, what it never keeps, and who it lets in.</summary>
public sealed class ApiKeyStoreTests
{
    private static string NewStorePath() => Path.Combine(TestPaths.NewTemporaryDirectory(), "nested", "keys.db");

    [Fact]
    public void CreateListAuthenticateRoundTrip()
    {
        string path = NewStorePath();
        CreatedKey created;
        using (var store = SqlApiKeyStore.Open(path))
        {
            created = store.Create("acme", "ci");
        }
        Assert.Matches("^sk-strata-[A-Za-z0-9_-]{32}$", created.Key);
        Assert.Equal(created.Key[..16], created.Record.Prefix);
        Assert.StartsWith("key_", created.Record.Id);
        Assert.Null(created.Record.RevokedAt);

        // A second open of the same file (as the server does after `strata keys create`) sees the key.
        using var reopened = SqlApiKeyStore.Open(path);
        var listed = Assert.Single(reopened.List());
        Assert.Equal(created.Record, listed);
        var authenticated = reopened.Authenticate(created.Key);
        Assert.NotNull(authenticated);
        Assert.Equal("acme", authenticated.Tenant);
        Assert.Equal("ci", authenticated.Name);
        Assert.NotNull(authenticated.LastUsedAt);
        Assert.Equal(created.Record.Id, reopened.Find(created.Record.Prefix)?.Id);
        Assert.Equal(created.Record.Id, reopened.Find(created.Record.Id)?.Id);
    }

    [Fact]
    public void KeysAreRandomAndDistinct()
    {
        using var store = SqlApiKeyStore.Open(NewStorePath());
        var keys = Enumerable.Range(0, 50).Select(_ => store.Create("t", null)).ToList();
        Assert.Equal(50, keys.Select(k => k.Key).Distinct().Count());
        Assert.Equal(50, keys.Select(k => k.Record.Id).Distinct().Count());
        Assert.All(keys, k => Assert.Equal(k.Record.Id, store.Authenticate(k.Key)?.Id));
    }

    [Fact]
    public void PlaintextKeyNeverReachesTheFile()
    {
        string path = NewStorePath();
        var keys = new List<CreatedKey>();
        using (var store = SqlApiKeyStore.Open(path))
        {
            for (int i = 0; i < 3; i++) keys.Add(store.Create($"tenant-{i}", $"name-{i}"));
            foreach (var key in keys) Assert.NotNull(store.Authenticate(key.Key)); // also writes last_used_at
            Assert.True(store.Revoke(keys[0].Record.Id));
        }
        // The database and whatever SQLite left beside it (journal, WAL, shared memory).
        byte[] bytes = Directory.EnumerateFiles(Path.GetDirectoryName(path)!).SelectMany(File.ReadAllBytes).ToArray();
        foreach (var key in keys)
        {
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(key.Key)));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(key.Key[16..]))); // not even the secret part
            // What is there: the non-secret prefix and the SHA-256, proving the bytes searched are the real contents.
            Assert.NotEqual(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(key.Record.Prefix)));
            Assert.NotEqual(-1, bytes.AsSpan().IndexOf(SHA256.HashData(Encoding.UTF8.GetBytes(key.Key))));
        }
    }

    [Fact]
    public void RevokedKeysNoLongerAuthenticate()
    {
        using var store = SqlApiKeyStore.Open(NewStorePath());
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
        Assert.Equal(3, store.List().Count); // revoked keys stay listed
    }

    [Fact]
    public void TenantsAreListedSeparately()
    {
        // A frozen clock: all three keys share one timestamp, as keys created within a millisecond do.
        var clock = new ManualClock(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var store = SqlApiKeyStore.Open(NewStorePath(), clock);
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

    [Fact]
    public void KeysAreListedByCreationTimeThenCreationOrder()
    {
        // Sixteen keys in one clock tick: ordered by their random ids, they would come back in creation order once in
        // 16! listings, so this fails on any tie-break other than insertion order.
        var clock = new ManualClock(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var store = SqlApiKeyStore.Open(NewStorePath(), clock);
        var sameTick = Enumerable.Range(0, 16).Select(i => store.Create("acme", $"key {i}").Record.Id).ToList();
        Assert.Equal(sameTick, store.List().Select(r => r.Id));
        Assert.Equal(sameTick, store.List("acme").Select(r => r.Id));

        // Time still comes first: a key stamped earlier (a clock stepped back) lists before the ones stamped later.
        clock.Now -= TimeSpan.FromSeconds(1);
        string earlier = store.Create("acme", "earlier").Record.Id;
        Assert.Equal([earlier, .. sameTick], store.List().Select(r => r.Id));
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
        using var store = SqlApiKeyStore.Open(NewStorePath());
        var e = Assert.Throws<ArgumentException>(() => store.Create(tenant, null));
        Assert.Contains(expected, e.Message);
        Assert.Equal("tenant", e.ParamName);
        Assert.Empty(store.List());
    }

    [Fact]
    public void TenantNamesAllowTheDocumentedAlphabetUpTo64Characters()
    {
        Assert.Equal("Acme_prod-2.eu", TenantName.Validate("Acme_prod-2.eu"));
        Assert.Equal(new string('x', 64), TenantName.Validate(new string('x', 64)));
        Assert.Contains("65 characters", Assert.Throws<ArgumentException>(() => TenantName.Validate(new string('x', 65))).Message);
        Assert.Throws<ArgumentException>(() => TenantName.Validate(null));
    }

    [Fact]
    public void KeysThatOnlyResembleAStoredKeyAreRejected()
    {
        using var store = SqlApiKeyStore.Open(NewStorePath());
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
    public void HashesAreComparedInConstantTime()
    {
        // Behaviour cannot show timing, so this pins the implementation: the one comparison of hashes goes through
        // CryptographicOperations.FixedTimeEquals, and the store and authenticator compare only through it.
        string security = Path.Combine(TestPaths.RepositoryRoot, "src", "Strata.Serving", "Security");
        string hash = File.ReadAllText(Path.Combine(security, "ApiKeyHash.cs"));
        Assert.Contains("CryptographicOperations.FixedTimeEquals(presentedHash, storedHash)", hash);
        foreach (string file in new[] { "SqlApiKeyStore.cs", "ApiKeyAuthenticator.cs" })
        {
            string source = File.ReadAllText(Path.Combine(security, file));
            Assert.Contains("ApiKeyHash.Matches(presented,", source);
            Assert.DoesNotContain("SequenceEqual", source);
            Assert.DoesNotContain("WHERE hash", source); // no lookup by hash, which would compare inside SQLite
        }

        byte[] a = SHA256.HashData("a"u8);
        Assert.True(ApiKeyHash.Matches(a, a.ToArray()));
        Assert.False(ApiKeyHash.Matches(a, SHA256.HashData("b"u8)));
        Assert.False(ApiKeyHash.Matches(a, a.AsSpan(0, 31)));
    }

    [Fact]
    public void LastUseIsRecordedAtMostOnceAMinute()
    {
        var clock = new ManualClock(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var store = SqlApiKeyStore.Open(NewStorePath(), clock);
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
    public async Task ConcurrentAuthenticationsWhileKeysAreCreated()
    {
        string path = NewStorePath();
        using var store = SqlApiKeyStore.Open(path);
        var keys = Enumerable.Range(0, 4).Select(i => store.Create($"t{i}", null)).ToArray();
        using var writer = SqlApiKeyStore.Open(path); // a second instance, as `strata keys` beside a running server
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
    public void RejectsFilesThatAreNotKeyStores()
    {
        string dir = TestPaths.NewTemporaryDirectory();
        string garbage = Path.Combine(dir, "garbage.db");
        File.WriteAllText(garbage, new string('x', 4096));
        Assert.Contains("not a Strata key store", Assert.Throws<InvalidDataException>(() => SqlApiKeyStore.Open(garbage)).Message);

        string newer = Path.Combine(dir, "newer.db");
        using (var connection = new SqliteConnection($"Data Source={newer};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }
        Assert.Contains("newer Strata", Assert.Throws<InvalidDataException>(() => SqlApiKeyStore.Open(newer)).Message);
    }

    [Fact]
    public void StoreFileIsPrivateToItsOwner()
    {
        if (OperatingSystem.IsWindows()) return;
        string path = NewStorePath();
        using var store = SqlApiKeyStore.Open(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void DefaultPathFollowsStrataHome()
    {
        Assert.Equal(Path.Combine("/srv/strata", "keys.db"), SqlApiKeyStore.DefaultPathFor("/srv/strata", "/home/ann"));
        Assert.Equal(Path.Combine("/home/ann", ".strata", "keys.db"), SqlApiKeyStore.DefaultPathFor(null, "/home/ann"));
        Assert.Equal(Path.Combine("/home/ann", ".strata", "keys.db"), SqlApiKeyStore.DefaultPathFor("", "/home/ann"));
        Assert.EndsWith("keys.db", SqlApiKeyStore.DefaultPath);
    }

    [Fact]
    public void CreatedKeyDoesNotPrintItsSecret()
    {
        using var store = SqlApiKeyStore.Open(NewStorePath());
        var created = store.Create("acme", null);
        Assert.DoesNotContain(created.Key, created.ToString());
        Assert.Contains(created.Record.Prefix, created.ToString());
    }
}
