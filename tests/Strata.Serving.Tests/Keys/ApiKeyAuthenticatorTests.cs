using Strata.Serving.Security;

namespace Strata.Serving.Tests.Keys;

/// <summary>Store keys and <c>--api-keys</c> keys together, and the header forms clients send them in.</summary>
public sealed class ApiKeyAuthenticatorTests
{
    [Fact]
    public void NothingConfiguredRequiresNothingAndAcceptsNothing()
    {
        var authenticator = new ApiKeyAuthenticator(store: null);
        Assert.False(authenticator.Required);
        Assert.Null(authenticator.Authenticate("Bearer anything"));
        Assert.Null(authenticator.Authenticate(null));
    }

    [Fact]
    public void CommandLineKeysBelongToTheDefaultTenant()
    {
        var authenticator = new ApiKeyAuthenticator(store: null, ApiKeyAuthenticator.ParseKeyList(" k-one ,, k-two,"));
        Assert.True(authenticator.Required);
        Assert.Equal("default", authenticator.Authenticate("Bearer k-one")?.Tenant);
        Assert.Equal("cli-2", authenticator.Authenticate("bearer   k-two ")?.Id);
        Assert.Equal("default", authenticator.Authenticate("k-one")?.Tenant); // bare, as from X-Api-Key
        Assert.Null(authenticator.Authenticate("Bearer k-three"));
        Assert.Null(authenticator.Authenticate("Bearer K-ONE"));
        Assert.Null(authenticator.Authenticate("Bearer"));
        Assert.Null(authenticator.Authenticate("Bearer "));
        Assert.Null(authenticator.Authenticate(""));
        Assert.Null(authenticator.Authenticate("Basic k-one"));
    }

    [Fact]
    public void ParseKeyListDropsBlanks()
    {
        Assert.Equal(["a", "b"], ApiKeyAuthenticator.ParseKeyList(" a, ,b,"));
        Assert.Empty(ApiKeyAuthenticator.ParseKeyList(null));
        Assert.Empty(ApiKeyAuthenticator.ParseKeyList(""));
    }

    [Fact]
    public void StoreKeysAuthenticateWithTheirTenant()
    {
        using var store = ApiKeyStores.Open(Path.Combine(TestPaths.NewTemporaryDirectory(), "keys.db"));
        var authenticator = new ApiKeyAuthenticator(store, ["cli-secret"]);
        var acme = store.Create("acme", null);
        Assert.Equal("acme", authenticator.Authenticate($"Bearer {acme.Key}")?.Tenant);
        Assert.Equal("acme", authenticator.Authenticate(acme.Key)?.Tenant);
        Assert.Equal("default", authenticator.Authenticate("Bearer cli-secret")?.Tenant);
        store.Revoke(acme.Record.Id);
        Assert.Null(authenticator.Authenticate($"Bearer {acme.Key}"));
    }

    [Fact]
    public void AStoreWithKeysRequiresThemEvenOnceAllAreRevoked()
    {
        using var store = ApiKeyStores.Open(Path.Combine(TestPaths.NewTemporaryDirectory(), "keys.db"));
        var authenticator = new ApiKeyAuthenticator(store);
        Assert.False(authenticator.Required);
        var created = store.Create("acme", null); // e.g. `strata keys create` while the server runs
        Assert.True(authenticator.Required);
        store.Revoke(created.Record.Id);
        Assert.True(authenticator.Required); // revoking the last key locks the server rather than opening it
        Assert.True(new ApiKeyAuthenticator(store).Required);
    }
}
