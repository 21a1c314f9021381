using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Strata.Serving.Security;
using Strata.Serving.Storage;

namespace Strata.Serving.Tests.Keys;

/// <summary>The key store in a SQLite file: <see cref="ApiKeyStoreContract"/>, and what only a file has.</summary>
public sealed class SqliteApiKeyStoreTests : ApiKeyStoreContract
{
    private static string NewStorePath() => Path.Combine(TestPaths.NewTemporaryDirectory(), "nested", "keys.db");

    protected override StoreLocation NewLocation() => StoreLocation.Parse(NewStorePath());

    [Fact]
    public void PlaintextKeyNeverReachesTheFile()
    {
        string path = NewStorePath();
        var keys = new List<CreatedKey>();
        using (var store = ApiKeyStores.Open(path))
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
    public void RejectsFilesThatAreNotKeyStores()
    {
        string dir = TestPaths.NewTemporaryDirectory();
        string garbage = Path.Combine(dir, "garbage.db");
        File.WriteAllText(garbage, new string('x', 4096));
        Assert.Contains("not a Strata key store", Assert.Throws<InvalidDataException>(() => ApiKeyStores.Open(garbage)).Message);

        string newer = Path.Combine(dir, "newer.db");
        using (var connection = new SqliteConnection($"Data Source={newer};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }
        Assert.Contains("newer Strata", Assert.Throws<InvalidDataException>(() => ApiKeyStores.Open(newer)).Message);
    }

    [Fact]
    public void StoreFileIsPrivateToItsOwner()
    {
        if (OperatingSystem.IsWindows()) return;
        string path = NewStorePath();
        using var store = ApiKeyStores.Open(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void OpeningAnExistingStoreOnlyWhereThereIsOne()
    {
        string path = NewStorePath();
        Assert.Null(ApiKeyStores.OpenExisting(StoreLocation.Parse(path)));
        Assert.False(File.Exists(path)); // nothing created, not even the directory's file
        using (var created = ApiKeyStores.Open(path)) created.Create("acme", null);
        using var existing = ApiKeyStores.OpenExisting(StoreLocation.Parse(path));
        Assert.NotNull(existing);
        Assert.Single(existing.List());
    }
}
