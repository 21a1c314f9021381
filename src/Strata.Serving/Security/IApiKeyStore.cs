using Strata.Serving.Storage;

namespace Strata.Serving.Security;

/// <summary>
/// API keys and their tenants, shared by the server, which authenticates with it, and <c>strata keys</c>, which edits
/// it, possibly while servers run: a change made through one instance is seen by every other on its next call. Only
/// SHA-256 hashes of keys are stored. Implementations are safe for concurrent calls. Open one with
/// <see cref="ApiKeyStores.Open(StoreLocation, TimeProvider?)"/>.
/// </summary>
public interface IApiKeyStore : IDisposable
{
    /// <summary>Where the keys live, printable (no password).</summary>
    StoreLocation Location { get; }

    /// <summary>Creates a key for <paramref name="tenant"/>. The returned plaintext is never stored and cannot be recovered later.</summary>
    /// <exception cref="ArgumentException">Invalid tenant (see <see cref="TenantName.Validate"/>) or name.</exception>
    CreatedKey Create(string tenant, string? name);

    /// <summary>
    /// Every key, revoked ones included, oldest first (keys created within the same millisecond in the order they
    /// were created); only <paramref name="tenant"/>'s when given (compared exactly, case included).
    /// </summary>
    IReadOnlyList<ApiKeyRecord> List(string? tenant = null);

    /// <summary>The key whose id or display prefix is <paramref name="idOrPrefix"/>, or null when none is.</summary>
    /// <exception cref="ArgumentException">The prefix is shared by several keys (name the key by its id instead).</exception>
    ApiKeyRecord? Find(string idOrPrefix);

    /// <summary>
    /// Revokes the key named by id or display prefix. Returns false when no key matches; true when the key is revoked
    /// afterwards (revoking twice keeps the first revocation time). Takes effect on the servers' next request.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is shared by several keys.</exception>
    bool Revoke(string idOrPrefix);

    /// <summary>Whether the store holds any key, revoked or not (see <see cref="ApiKeyAuthenticator.Required"/>).</summary>
    bool HasAnyKeys();

    /// <summary>
    /// The record of an active key equal to <paramref name="presentedKey"/>; null for unknown, malformed or revoked
    /// keys. Notes the key's last use, at most once a minute.
    /// </summary>
    ApiKeyRecord? Authenticate(string presentedKey);
}
