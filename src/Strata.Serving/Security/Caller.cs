using Microsoft.AspNetCore.Http;

namespace Strata.Serving.Security;

/// <summary>Who sent a request, as <see cref="ApiKeyMiddleware"/> recorded it: the one place handlers and services read it from.</summary>
public static class Caller
{
    /// <summary>The caller's tenant: the API key's, or <c>default</c> on a server without keys (loopback only).</summary>
    public static string Tenant(HttpContext http) => http.Items[ApiKeyMiddleware.TenantItem] as string ?? ApiKeyAuthenticator.DefaultTenant;

    /// <summary>The key the request authenticated with; null on a server without keys.</summary>
    public static ApiKeyRecord? Key(HttpContext http) => http.Items[ApiKeyMiddleware.ApiKeyItem] as ApiKeyRecord;
}
