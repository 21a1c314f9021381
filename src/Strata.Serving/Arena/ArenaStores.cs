using System.Diagnostics;
using Strata.Serving.Storage;

namespace Strata.Serving.Arena;

/// <summary>Opens the <see cref="IArenaStore"/> at a <see cref="StoreLocation"/>: SQLite for a file, PostgreSQL for a database.</summary>
public static class ArenaStores
{
    /// <summary>Opens the store, creating its tables (and, for SQLite, its file and directory) when missing.</summary>
    /// <exception cref="InvalidDataException">Not a SQLite database, or tables written by a newer Strata.</exception>
    /// <exception cref="IOException">A PostgreSQL server that cannot be reached, refuses the login, or lacks the database.</exception>
    public static IArenaStore Open(StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location switch
        {
            StoreLocation.Sqlite sqlite => SqliteArenaStore.Open(sqlite),
            StoreLocation.Postgres postgres => PostgresArenaStore.Open(postgres),
            _ => throw new UnreachableException($"no arena store for {location.GetType().Name}"),
        };
    }
}
