using System.Diagnostics;
using Strata.Serving.Storage;

namespace Strata.Serving.Documents;

/// <summary>Opens the <see cref="IDocumentStore"/> at a <see cref="StoreLocation"/>: SQLite for a file, PostgreSQL for a database.</summary>
public static class DocumentStores
{
    /// <summary>Opens the store, creating its tables (and, for SQLite, its file and directory) when missing.</summary>
    /// <param name="time">The clock for documents' creation times; the system clock by default (tests pass their own).</param>
    /// <exception cref="InvalidDataException">Not a Strata document store, or one written by a newer Strata.</exception>
    /// <exception cref="IOException">A PostgreSQL server that cannot be reached, refuses the login, or lacks the database.</exception>
    public static IDocumentStore Open(StoreLocation location, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location switch
        {
            StoreLocation.Sqlite sqlite => SqliteDocumentStore.Open(sqlite.Path, time),
            StoreLocation.Postgres postgres => PostgresDocumentStore.Open(postgres, time),
            _ => throw new UnreachableException($"no document store for {location.GetType().Name}"),
        };
    }
}
