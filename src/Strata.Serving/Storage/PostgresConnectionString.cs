using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Strata.Serving.Storage;

/// <summary>
/// PostgreSQL URLs as libpq reads them (<c>postgres[ql]://[user[:password]@][host[:port][,…]][/database][?param=value&amp;…]</c>)
/// turned into Npgsql connection strings, and the reverse, without the password, for messages.
/// </summary>
internal static partial class PostgresConnectionString
{
    // libpq's URL parameter names (the ones a store needs) and the Npgsql keywords that mean the same. Npgsql's own
    // keywords are accepted as parameters too, so nothing Npgsql can do is out of reach of a URL.
    private static readonly Dictionary<string, string> LibpqParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["host"] = "Host",
        ["port"] = "Port",
        ["user"] = "Username",
        ["password"] = "Password",
        ["dbname"] = "Database",
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslpassword"] = "SSL Password",
        ["passfile"] = "Passfile",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["options"] = "Options",
        ["target_session_attrs"] = "Target Session Attributes",
    };

    public static bool IsUrl(string value) =>
        value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="value"/> opens with an Npgsql keyword and '=' (<c>Host=…</c>), which no sensible file name does.</summary>
    public static bool IsKeywordForm(string value)
    {
        int equals = value.IndexOf('=');
        return equals > 0 && new NpgsqlConnectionStringBuilder().ContainsKey(value[..equals].Trim());
    }

    /// <exception cref="ArgumentException">An unknown keyword or a bad value.</exception>
    /// <exception cref="FormatException">No host.</exception>
    public static NpgsqlConnectionStringBuilder FromKeywords(string value) => RequireHost(new NpgsqlConnectionStringBuilder(value));

    /// <exception cref="FormatException">The URL is malformed, names an unknown parameter, or no host.</exception>
    /// <exception cref="ArgumentException">A parameter's value is invalid for Npgsql.</exception>
    public static NpgsqlConnectionStringBuilder FromUrl(string url)
    {
        string rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        if (rest.Contains('#')) throw new FormatException("a PostgreSQL URL has no '#fragment'");
        // An '@' past the host part means a password with an unencoded '/' or '?' (or an '@' in a parameter): either
        // way the parts cannot be told apart, and the messages below, which quote hosts and parameters, could quote
        // a piece of the password. libpq needs these characters percent-encoded too.
        int firstDelimiter = rest.IndexOfAny(['/', '?']);
        if (firstDelimiter >= 0 && rest.IndexOf('@', firstDelimiter) >= 0)
        {
            throw new FormatException("'@' after the host: percent-encode '@', '/', '?' and '#' in user names, passwords and parameters (%40, %2F, %3F, %23)");
        }
        int question = rest.IndexOf('?');
        string query = question < 0 ? "" : rest[(question + 1)..];
        if (question >= 0) rest = rest[..question];
        int slash = rest.IndexOf('/');
        string authority = slash < 0 ? rest : rest[..slash];
        string path = slash < 0 ? "" : rest[(slash + 1)..];

        var builder = new NpgsqlConnectionStringBuilder();
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            string userInfo = authority[..at];
            int colon = userInfo.IndexOf(':');
            if (colon >= 0) builder.Password = Decode(userInfo[(colon + 1)..]);
            string user = Decode(colon < 0 ? userInfo : userInfo[..colon]);
            if (user.Length > 0) builder.Username = user;
            authority = authority[(at + 1)..];
        }
        if (authority.Length > 0) SetHosts(builder, authority);
        if (path.Length > 0)
        {
            if (path.Contains('/')) throw new FormatException("the path must be just the database name (postgres://host/DATABASE)");
            builder.Database = Decode(path);
        }
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=');
            if (equals <= 0) throw new FormatException($"URL parameter '{Decode(pair)}' has no value (write name=value)");
            SetParameter(builder, Decode(pair[..equals]), Decode(pair[(equals + 1)..]));
        }
        return RequireHost(builder);
    }

    // host[:port] entries separated by commas (libpq tries them in turn, as Npgsql does); IPv6 addresses in brackets.
    private static void SetHosts(NpgsqlConnectionStringBuilder builder, string authority)
    {
        var hosts = new List<(string Host, int? Port)>();
        foreach (string entry in authority.Split(','))
        {
            string host = entry;
            string? port = null;
            if (entry.StartsWith('['))
            {
                int close = entry.IndexOf(']');
                if (close < 0) throw new FormatException($"host '{entry}' opens '[' without closing it");
                host = entry[1..close];
                string after = entry[(close + 1)..];
                if (after.Length > 0 && !after.StartsWith(':')) throw new FormatException($"host '{entry}' has text after ']'");
                if (after.Length > 0) port = after[1..];
            }
            else if (entry.LastIndexOf(':') is var colon and >= 0)
            {
                host = entry[..colon];
                port = entry[(colon + 1)..];
            }
            if (host.Length == 0) throw new FormatException($"host entry '{entry}' is empty");
            hosts.Add((Decode(host), port is null ? null : ParsePort(port)));
        }
        if (hosts.Count == 1)
        {
            builder.Host = hosts[0].Host;
            if (hosts[0].Port is int port) builder.Port = port;
            return;
        }
        builder.Host = string.Join(",", hosts.Select(h => h.Port is int p ? $"{(h.Host.Contains(':') ? $"[{h.Host}]" : h.Host)}:{p}" : h.Host));
    }

    private static int ParsePort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536
            ? port
            : throw new FormatException($"port '{text}' is not a number from 1 to 65535");

    private static void SetParameter(NpgsqlConnectionStringBuilder builder, string name, string value)
    {
        if (LibpqParameters.TryGetValue(name, out string? keyword))
        {
            // libpq spells modes with dashes (verify-full), Npgsql's enum without (VerifyFull).
            builder[keyword] = keyword == "SSL Mode" ? value.Replace("-", "", StringComparison.Ordinal) : value;
        }
        else if (builder.ContainsKey(name))
        {
            builder[name] = value;
        }
        else
        {
            throw new FormatException($"unknown URL parameter '{name}'");
        }
    }

    private static NpgsqlConnectionStringBuilder RequireHost(NpgsqlConnectionStringBuilder builder) =>
        string.IsNullOrWhiteSpace(builder.Host)
            ? throw new FormatException("no host: name one (postgres://HOST/database) or a socket directory (postgres:///database?host=/var/run/postgresql)")
            : builder;

    // Percent-decoding only: unlike form encoding, libpq does not read '+' as a space.
    private static string Decode(string text) => Uri.UnescapeDataString(text);

    /// <summary>A <c>postgres://</c> URL for <paramref name="builder"/> without its password: what messages and logs print.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        string host = builder.Host ?? "";
        bool socket = host.StartsWith('/');
        var url = new StringBuilder("postgres://");
        if (!string.IsNullOrEmpty(builder.Username)) url.Append(Uri.EscapeDataString(builder.Username)).Append('@');
        // One TCP host gets its port; a list carries its own (host:port,…); a socket directory goes in ?host=.
        if (!socket) url.Append(host.Contains(',') ? host : (host.Contains(':') ? $"[{host}]" : host) + ":" + builder.Port.ToString(CultureInfo.InvariantCulture));
        url.Append('/').Append(Uri.EscapeDataString(builder.Database ?? ""));
        if (socket)
        {
            url.Append("?host=").Append(host);
            if (builder.Port != NpgsqlConnection.DefaultPort) url.Append("&port=").Append(builder.Port.ToString(CultureInfo.InvariantCulture));
        }
        return url.ToString();
    }

    /// <summary>
    /// <paramref name="value"/> with passwords replaced by <c>***</c>: the user info's password in a URL, and
    /// <c>password</c>, <c>pwd</c>, <c>psw</c> and <c>ssl password</c> settings in a query or a connection string.
    /// Errs on the side of hiding: a malformed value may lose more than its password, never show it.
    /// </summary>
    public static string Redact(string value)
    {
        int scheme = value.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            // Everything from the first ':' after the scheme to the last '@' may be a password, even one with '/', '?'
            // or '@' in it that its writer forgot to percent-encode.
            int start = scheme + 3;
            int at = value.LastIndexOf('@');
            int colon = value.IndexOf(':', start);
            if (at > start && colon > start && colon < at && !value[start..colon].Contains('/'))
            {
                value = value[..(colon + 1)] + "***" + value[at..];
            }
        }
        return PasswordSetting().Replace(value, "${key}***");
    }

    [GeneratedRegex("""(?<key>(?:^|[?&;])\s*(?:ssl\s*)?(?:password|pwd|psw)\s*=\s*)(?:"[^"]*"?|'[^']*'?|[^&;]*)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordSetting();
}
