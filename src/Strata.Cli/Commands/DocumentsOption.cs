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
        Description = "SQLite file holding tenants' documents, chunks and vectors (default $STRATA_HOME/documents.db, else ~/.strata/documents.db)",
        DefaultValueFactory = _ => DefaultPath,
        HelpName = "PATH",
    };
}
