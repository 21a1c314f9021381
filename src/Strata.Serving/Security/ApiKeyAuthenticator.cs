namespace Strata.Serving.Security;

/// <summary>
/// Decides who a request comes from: keys in the <see cref="IApiKeyStore"/> (each with its tenant) and keys given on the
/// command line with <c>--api-keys k1,k2</c> (tenant <see cref="DefaultTenant"/>). Free of ASP.NET types; the HTTP side
/// is <see cref="ApiKeyMiddleware"/>. Safe to call from concurrent requests.
/// </summary>
public sealed class ApiKeyAuthenticator
{
    /// <summary>Tenant of command-line keys.</summary>
    public const string DefaultTenant = "default";

    private readonly IApiKeyStore? store;
    private readonly (byte[] Hash, ApiKeyRecord Record)[] commandLineKeys;

    // Keys are revoked, never deleted, so once the store holds a key it always will: a cached true stays true
    // and spares a query per request; false is asked again, because `strata keys create` may run beside the server
    // (or, with a PostgreSQL store, beside any replica).
    private volatile bool storeHasKeys;

    /// <param name="store">The key store, or null to accept only <paramref name="commandLineKeys"/>.</param>
    /// <param name="commandLineKeys">Keys from <c>--api-keys</c> (see <see cref="ParseKeyList"/>); any string is accepted as a key.</param>
    public ApiKeyAuthenticator(IApiKeyStore? store, IEnumerable<string>? commandLineKeys = null)
    {
        this.store = store;
        var created = DateTimeOffset.UtcNow;
        // Hashed up front so a presented key is compared hash to hash in constant time, never as plaintext strings.
        this.commandLineKeys = (commandLineKeys ?? [])
            .Select(k => k.Trim())
            .Where(k => k.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Select((key, i) => (ApiKeyHash.Hash(key), new ApiKeyRecord($"cli-{i + 1}", DefaultTenant, "--api-keys", $"cli-{i + 1}", created, RevokedAt: null)))
            .ToArray();
    }

    /// <summary>Splits <c>--api-keys</c>'s value <c>k1,k2</c>; blanks are dropped.</summary>
    public static IReadOnlyList<string> ParseKeyList(string? commaSeparated) =>
        (commaSeparated ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Whether requests must carry a key: true when keys were given on the command line or the store holds any key,
    /// revoked ones included, so that revoking every key locks the server rather than silently opening it.
    /// </summary>
    public bool Required
    {
        get
        {
            if (commandLineKeys.Length > 0 || storeHasKeys) return true;
            if (store is null) return false;
            return storeHasKeys = store.HasAnyKeys();
        }
    }

    /// <summary>
    /// The record of the key presented as an <c>Authorization</c> header value (<c>Bearer KEY</c>, as OpenAI and Cohere
    /// clients send it), or as the bare key (from <c>X-Api-Key</c>); null when missing, unknown or revoked.
    /// </summary>
    public ApiKeyRecord? Authenticate(string? authorizationHeaderValueOrKey)
    {
        string? key = ExtractKey(authorizationHeaderValueOrKey);
        if (key is null) return null;
        byte[] presented = ApiKeyHash.Hash(key);
        ApiKeyRecord? match = null;
        foreach (var (hash, record) in commandLineKeys)
        {
            if (ApiKeyHash.Matches(presented, hash)) match = record;
        }
        return match ?? store?.Authenticate(key);
    }

    /// <summary>The key in <c>Bearer KEY</c> (scheme case-insensitive) or a bare key; null when blank.</summary>
    public static string? ExtractKey(string? authorizationHeaderValueOrKey)
    {
        string value = authorizationHeaderValueOrKey?.Trim() ?? "";
        const string bearer = "Bearer ";
        if (value.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) value = value[bearer.Length..].Trim();
        else if (value.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) value = "";
        return value.Length == 0 ? null : value;
    }
}
