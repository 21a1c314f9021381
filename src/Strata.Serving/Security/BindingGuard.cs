using System.Net;

namespace Strata.Serving.Security;

/// <summary>Refuses to expose an unauthenticated server beyond this machine.</summary>
public static class BindingGuard
{
    /// <summary>
    /// Throws when any of <paramref name="urlsOrHosts"/> (Kestrel URLs such as <c>http://0.0.0.0:8080</c> or
    /// <c>http://*:80</c>, or bare hosts such as <c>::1</c>) is not loopback while no API key is configured.
    /// Loopback is 127.0.0.0/8, <c>::1</c> and <c>localhost</c>; Unix sockets count as local (file permissions guard them).
    /// </summary>
    /// <exception cref="InvalidOperationException">A non-loopback address without authentication.</exception>
    public static void EnsureSafe(IEnumerable<string> urlsOrHosts, bool authenticationRequired)
    {
        ArgumentNullException.ThrowIfNull(urlsOrHosts);
        if (authenticationRequired) return;
        foreach (string entry in urlsOrHosts)
        {
            if (string.IsNullOrWhiteSpace(entry)) continue;
            string host = HostOf(entry.Trim());
            if (!IsLocal(host))
            {
                throw new InvalidOperationException(
                    $"refusing to listen on {host} without API keys; create one with `strata keys create --tenant NAME` or pass --api-keys");
            }
        }
    }

    /// <summary>The host part of a URL or <c>host[:port]</c>, without brackets.</summary>
    internal static string HostOf(string entry)
    {
        int scheme = entry.IndexOf("://", StringComparison.Ordinal);
        string rest = scheme >= 0 ? entry[(scheme + 3)..] : entry;
        if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase)) return "unix:";
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            return close > 0 ? rest[1..close] : rest;
        }
        int slash = rest.IndexOf('/');
        if (slash >= 0) rest = rest[..slash];
        int at = rest.LastIndexOf('@');
        if (at >= 0) rest = rest[(at + 1)..];
        // Two or more colons: a bare IPv6 address (no port can follow without brackets).
        if (rest.Count(c => c == ':') == 1) rest = rest[..rest.IndexOf(':')];
        return rest;
    }

    private static bool IsLocal(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host == "unix:"
        || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
