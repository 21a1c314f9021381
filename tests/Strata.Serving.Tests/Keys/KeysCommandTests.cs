using System.Text.RegularExpressions;
using Strata.Cli;
using Strata.Serving.Security;

namespace Strata.Serving.Tests.Keys;

/// <summary><c>strata keys</c> run in-process, end to end on a temporary SQLite store (PostgreSQL: <see cref="PostgresKeysCommandTests"/>).</summary>
public sealed class KeysCommandTests
{
    internal static async Task<(int Code, string Output, string Error)> Strata(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await StrataCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string NewStorePath() => Path.Combine(TestPaths.NewTemporaryDirectory(), "keys.db");

    private static string RowOf(string table, string id) => table.Split('\n').Single(line => line.Contains(id));

    private static int DatesIn(string row) => Regex.Matches(row, @"\d{4}-\d\d-\d\d \d\d:\d\d").Count;

    [Fact]
    public Task CreateListRevokeList() => AssertCreateListRevokeList(NewStorePath());

    /// <summary>Create, list, revoke and list again through <c>--store <paramref name="store"/></c>.</summary>
    internal static async Task AssertCreateListRevokeList(string store)
    {
        var create = await Strata("keys", "create", "--tenant", "acme", "--name", "ci", "--store", store);
        Assert.True(create.Code == 0, create.Error);
        string key = create.Output.Trim();
        Assert.Matches("^sk-strata-[A-Za-z0-9_-]{32}$", key); // the key alone on standard output
        Assert.Contains("cannot be shown again", create.Error);
        string prefix = key[..16];

        var other = await Strata("keys", "create", "--tenant", "beta", "--store", store);
        Assert.Equal(0, other.Code);

        var list = await Strata("keys", "list", "--store", store);
        Assert.Equal(0, list.Code);
        Assert.Contains(prefix, list.Output);
        Assert.DoesNotContain(key, list.Output);
        Assert.DoesNotContain(key[16..], list.Output);
        string id = Regex.Match(RowOf(list.Output, prefix), "key_[0-9a-f]{12}").Value;
        Assert.Contains("acme", RowOf(list.Output, id));
        Assert.Contains("ci", RowOf(list.Output, id));
        Assert.Equal(1, DatesIn(RowOf(list.Output, id))); // created, not revoked

        var onlyBeta = await Strata("keys", "list", "--tenant", "beta", "--store", store);
        Assert.DoesNotContain(prefix, onlyBeta.Output);
        Assert.Contains("beta", onlyBeta.Output);

        using (var keys = ApiKeyStores.Open(store))
        {
            Assert.Equal("acme", new ApiKeyAuthenticator(keys).Authenticate("Bearer " + key)?.Tenant);
        }

        var revoke = await Strata("keys", "revoke", prefix, "--store", store);
        Assert.True(revoke.Code == 0, revoke.Error);
        Assert.Contains($"Revoked {id}", revoke.Output);

        var after = await Strata("keys", "list", "--store", store);
        Assert.Equal(2, DatesIn(RowOf(after.Output, id))); // created and revoked
        Assert.Equal(1, DatesIn(RowOf(after.Output, other.Output.Trim()[..16])));
        using (var keys = ApiKeyStores.Open(store))
        {
            Assert.Null(keys.Authenticate(key));
        }

        var again = await Strata("keys", "revoke", id, "--store", store);
        Assert.Equal(0, again.Code);
        Assert.Contains("already revoked", again.Output);
    }

    [Fact]
    public async Task ErrorsAreOneLineAndNonZero()
    {
        string store = NewStorePath();
        var badTenant = await Strata("keys", "create", "--tenant", "no spaces", "--store", store);
        Assert.Equal(1, badTenant.Code);
        Assert.StartsWith("error: Tenant name 'no spaces' is invalid", badTenant.Error);
        Assert.Single(badTenant.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(store)); // a typo leaves no store behind

        var noStore = await Strata("keys", "revoke", "key_123", "--store", store);
        Assert.Equal(1, noStore.Code);
        Assert.Contains("no key store", noStore.Error);

        Assert.Equal(0, (await Strata("keys", "create", "--tenant", "acme", "--store", store)).Code);
        var unknown = await Strata("keys", "revoke", "key_doesnotexist", "--store", store);
        Assert.Equal(1, unknown.Code);
        Assert.Equal($"error: no key with id or prefix 'key_doesnotexist' in {Path.GetFullPath(store)}", unknown.Error.Trim());

        var missingTenant = await Strata("keys", "create", "--store", store);
        Assert.NotEqual(0, missingTenant.Code);
    }

    [Fact]
    public async Task ListingAMissingStoreCreatesNothing()
    {
        string store = NewStorePath();
        var list = await Strata("keys", "list", "--store", store);
        Assert.Equal(0, list.Code);
        Assert.Contains("No key store", list.Output);
        Assert.False(File.Exists(store));
    }
}
