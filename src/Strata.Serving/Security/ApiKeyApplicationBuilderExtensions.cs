using Microsoft.AspNetCore.Builder;

namespace Strata.Serving.Security;

/// <summary>Registration of <see cref="ApiKeyMiddleware"/> in an ASP.NET Core pipeline.</summary>
public static class ApiKeyApplicationBuilderExtensions
{
    /// <summary>Adds the API-key check; call it before the endpoints it guards (and after <c>UseCors</c>, if any).</summary>
    public static IApplicationBuilder UseStrataApiKeys(this IApplicationBuilder app, ApiKeyAuthenticator authenticator)
    {
        ArgumentNullException.ThrowIfNull(authenticator);
        return app.UseMiddleware<ApiKeyMiddleware>(authenticator);
    }
}
