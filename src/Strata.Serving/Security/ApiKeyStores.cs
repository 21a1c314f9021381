using System.Diagnostics;
using Strata.Serving.Storage;

namespace Strata.Serving.Security;

/// <summary>Opens the <see cref="IApiKeyStore"/> at a <see cref="StoreLocation"/>: SQLite for a file, PostgreSQL for a database.</summary>
public static class ApiKeyStores
{
    /// <summary>Opens the store, creating its tables (and, for SQLite, its file and directory) when missing.</summary>
    /// <param name="time">The clock for creation, revocation and last-use times; the system clock by default (tests pass their own).</param>
    /// <exception cref="InvalidDataException">Not a Strata key store, or one written by a newer Strata.</exception>
    /// <exception cref="IOException">A PostgreSQL server that cannot be reached, refuses the login, or lacks the database.</exception>
    public static IApiKeyStore Open(StoreLocation location, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        time ??= TimeProvider.System;
        return location switch
        {
            StoreLocation.Sqlite sqlite => SqliteApiKeyStore.Open(sqlite, time),
            StoreLocation.Postgres postgres => PostgresApiKeyStore.Open(postgres, time),
            _ => throw new UnreachableException($"no key store for {location.GetType().Name}"),
        };
    }

    /// <summary>Opens the store named by a <c>--store</c> value (see <see cref="StoreLocation.Parse"/>).</summary>
    /// <exception cref="ArgumentException">The value is neither a file path nor a PostgreSQL URL or connection string.</exception>
    public static IApiKeyStore Open(string location, TimeProvider? time = null) => Open(StoreLocation.Parse(location), time);

    /// <summary>
    /// The store when there is one, else null, creating nothing. A missing SQLite file means no keys, and listing or
    /// revoking must not leave an empty file behind. A PostgreSQL database is always opened: it is the
    /// administrator's to create, and failing to reach it throws rather than meaning "no keys", so that a server
    /// never starts without authentication because its key database was down.
    /// </summary>
    public static IApiKeyStore? OpenExisting(StoreLocation location, TimeProvider? time = null) =>
        location is StoreLocation.Sqlite { Path: var path } && !File.Exists(path) ? null : Open(location, time);
}
