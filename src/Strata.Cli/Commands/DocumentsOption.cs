using System.CommandLine;
using Strata.Serving.Storage;

namespace Strata.Cli.Commands;

/// <summary><c>--documents</c>, the same flag on <c>strata serve</c> and <c>strata docs</c>: where tenants' documents live.</summary>
internal static class DocumentsOption
{
    /// <summary><c>documents.db</c> beside the default key store ($STRATA_HOME, else ~/.strata).</summary>
    public static string DefaultPath => Path.Combine(Path.GetDirectoryName(StoreLocation.DefaultSqlitePath)!, "documents.db");

    public static Option<string> Create() => new("--documents")
    {
        Description = "Where tenants' documents, chunks and vectors live: a SQLite file (default $STRATA_HOME/documents.db, else ~/.strata/documents.db) "
            + "or a PostgreSQL URL shared by several servers (postgres://user:password@host:5432/database)",
        DefaultValueFactory = _ => DefaultPath,
        HelpName = "PATH|URL",
    };

    /// <exception cref="ArgumentException">Not a file path, PostgreSQL URL or connection string (the message hides any password).</exception>
    public static StoreLocation Read(ParseResult parse, Option<string> option) => StoreLocation.Parse(parse.GetRequiredValue(option));
}
