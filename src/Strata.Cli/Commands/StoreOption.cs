using System.CommandLine;
using Strata.Serving.Storage;

namespace Strata.Cli.Commands;

/// <summary>
/// <c>--store</c>, the same flag on <c>strata serve</c> and <c>strata keys</c>: where API keys and tenants live.
/// <c>--key-store</c>, its name on <c>serve</c> before PostgreSQL, still works.
/// </summary>
internal static class StoreOption
{
    public static Option<string> Create() => new("--store", "--key-store")
    {
        Description = "Where API keys and tenants live: a SQLite file (default $STRATA_HOME/keys.db, else ~/.strata/keys.db) "
            + "or a PostgreSQL URL shared by several servers (postgres://user:password@host:5432/database)",
        DefaultValueFactory = _ => StoreLocation.DefaultSqlitePath,
        HelpName = "PATH|URL",
    };

    /// <exception cref="ArgumentException">Not a file path, PostgreSQL URL or connection string (the message hides any password).</exception>
    public static StoreLocation Read(ParseResult parse, Option<string> option) => StoreLocation.Parse(parse.GetRequiredValue(option));
}
