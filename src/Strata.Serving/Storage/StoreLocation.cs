using System.Diagnostics.CodeAnalysis;
using Npgsql;

namespace Strata.Serving.Storage;

/// <summary>
/// Where the server's own data lives (API keys and their tenants, tenants' documents): a SQLite file, the embedded
/// default for one server, or a PostgreSQL database that several server replicas share. Parsed from <c>--store</c>
/// and <c>--documents</c>. Prints without passwords (<see cref="ToString"/> is <see cref="Description"/>), so it is
/// safe in logs and error messages.
/// </summary>
public abstract record StoreLocation
{
    // Closed: nothing outside can derive from it, so the two cases below are all there are.
    private StoreLocation() { }

    /// <summary>A SQLite file; created, with its directory, on first write.</summary>
    /// <param name="Path">Full path of the file.</param>
    public sealed record Sqlite(string Path) : StoreLocation
    {
        public override string Description => Path;
    }

    /// <summary>A PostgreSQL database, which must exist; Strata creates its tables in it.</summary>
    /// <param name="ConnectionString">Npgsql keyword form, password included: never print it (print the location).</param>
    public sealed record Postgres(string ConnectionString) : StoreLocation
    {
        public override string Description => PostgresConnectionString.Describe(new NpgsqlConnectionStringBuilder(ConnectionString));

        /// <summary>A pool of connections to the database, for one store instance to own and dispose.</summary>
        internal NpgsqlDataSource CreateDataSource()
        {
            // Named, so that a DBA's pg_stat_activity says which connections are Strata's.
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            builder.ApplicationName ??= "strata";
            return NpgsqlDataSource.Create(builder);
        }
    }

    /// <summary>The file path, or a <c>postgres://user@host:port/database</c> URL without the password.</summary>
    public abstract string Description { get; }

    // Records print every property; a connection string in a log line would leak its password.
    public sealed override string ToString() => Description;

    /// <summary>
    /// The default store: <c>$STRATA_HOME/keys.db</c> when <c>STRATA_HOME</c> is set, else <c>~/.strata/keys.db</c>.
    /// Named after what it first held, so that existing stores stay found.
    /// </summary>
    public static string DefaultSqlitePath =>
        DefaultSqlitePathFor(Environment.GetEnvironmentVariable("STRATA_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    internal static string DefaultSqlitePathFor(string? strataHome, string userHome) =>
        string.IsNullOrWhiteSpace(strataHome)
            ? System.IO.Path.Combine(userHome, ".strata", "keys.db")
            : System.IO.Path.Combine(strataHome, "keys.db");

    /// <summary>
    /// Reads a <c>--store</c> value: a PostgreSQL URL (<c>postgres://user:password@host:port/database?sslmode=require</c>,
    /// <c>postgresql://…</c>, or for a Unix socket <c>postgres:///database?host=/var/run/postgresql</c>), an Npgsql
    /// connection string (<c>Host=…;Database=…</c>, recognised by its first keyword), or else a SQLite file path.
    /// </summary>
    /// <exception cref="ArgumentException">Blank, another URL scheme, or a malformed URL or connection string; the
    /// message quotes the value with any password replaced by <c>***</c>.</exception>
    public static StoreLocation Parse(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException("The store is empty; give a SQLite file path or a postgres:// URL.", nameof(value));
        value = value.Trim();
        try
        {
            if (PostgresConnectionString.IsUrl(value)) return new Postgres(PostgresConnectionString.FromUrl(value).ConnectionString);
            if (IsUrl(value, out string? scheme))
            {
                throw new FormatException($"'{scheme}' is not a store scheme; use a SQLite file path or a postgres:// URL");
            }
            if (PostgresConnectionString.IsKeywordForm(value)) return new Postgres(PostgresConnectionString.FromKeywords(value).ConnectionString);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new ArgumentException($"Store '{Redact(value)}' is invalid: {e.Message}", nameof(value), e);
        }
        return new Sqlite(System.IO.Path.GetFullPath(value));
    }

    /// <summary><paramref name="value"/> with every password it may hold (URL user info, <c>password=</c> parameters) replaced by <c>***</c>.</summary>
    public static string Redact(string value) => PostgresConnectionString.Redact(value);

    // A scheme is letters, digits, '+', '-' or '.' before "://"; a Windows path such as C:\x has no "//" after the colon.
    private static bool IsUrl(string value, [NotNullWhen(true)] out string? scheme)
    {
        int end = value.IndexOf("://", StringComparison.Ordinal);
        scheme = end > 0 && value[..end].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? value[..end] : null;
        return scheme is not null;
    }
}
