namespace Strata.Serving.Security;

/// <summary>
/// What Strata knows about an API key: never the key itself, only its id, owner and a short non-secret
/// <paramref name="Prefix"/> (e.g. <c>sk-strata-AbC123</c>) by which people recognise it in listings.
/// </summary>
/// <param name="Id">Stable identifier such as <c>key_1f2e3d4c5b6a</c>; names the key in <c>strata keys revoke</c>.</param>
/// <param name="Tenant">Who the key belongs to; requests made with it are accounted to this tenant.</param>
/// <param name="Name">Optional label chosen at creation (e.g. "ci" or "laptop").</param>
/// <param name="RevokedAt">When the key stopped working; null while it is active.</param>
public sealed record ApiKeyRecord(string Id, string Tenant, string? Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    /// <summary>Last successful authentication, recorded at most once a minute; null if never used (or from the command line).</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>Whether the key has been revoked and no longer authenticates.</summary>
    public bool IsRevoked => RevokedAt is not null;
}
