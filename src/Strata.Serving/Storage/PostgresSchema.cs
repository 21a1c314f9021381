using Npgsql;

namespace Strata.Serving.Storage;

/// <summary>
/// How every Strata component creates its tables in PostgreSQL: versioned per component in <c>strata_schema</c>
/// (component, version), created under one advisory lock so that replicas starting together do not race.
/// </summary>
internal static class PostgresSchema
{
    // The pg_advisory_xact_lock key every Strata takes before creating or upgrading tables: any constant they agree
    // on, here "strata" in ASCII. Advisory locks are per database, so stores in different databases never wait.
    private const long SchemaLock = 0x737472617461;

    /// <summary>
    /// Readies a store just made over a PostgreSQL database: runs <paramref name="ensureSchema"/>; a connection or server
    /// failure becomes an <see cref="IOException"/> naming the location (never the password), and on any failure the
    /// store is disposed.
    /// </summary>
    /// <param name="what">The store, for messages ("key store").</param>
    public static T Ready<T>(T store, StoreLocation location, string what, Action<T> ensureSchema) where T : IDisposable
    {
        try
        {
            ensureSchema(store);
            return store;
        }
        catch (NpgsqlException e)
        {
            store.Dispose();
            // Npgsql's messages name the host or the server's complaint, never the password; the location hides it too.
            throw new IOException($"{location}: cannot open the {what}: {e.Message}", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Creates <paramref name="component"/>'s tables with <paramref name="ddl"/> unless the recorded version is current.</summary>
    /// <param name="what">The store, for messages ("key store").</param>
    /// <exception cref="InvalidDataException">The tables were written by a newer Strata.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or refuses a statement.</exception>
    public static void Ensure(NpgsqlDataSource dataSource, StoreLocation location, string component, int version, string what, string ddl)
    {
        using var connection = dataSource.OpenConnection();
        // The usual case, a database already set up, takes no lock and no DDL, so servers may log in as a role
        // that can read and write rows but not create tables.
        if (Version(connection, location, component, version, what) == version) return;

        using var transaction = connection.BeginTransaction();
        // Replicas starting together create the tables one after another: CREATE TABLE IF NOT EXISTS is not safe
        // on its own, as two sessions can both find the table missing and the second then fails on a duplicate.
        Execute(connection, "SELECT pg_advisory_xact_lock(@lock)", ("lock", SchemaLock));
        Execute(connection, "CREATE TABLE IF NOT EXISTS strata_schema (component text PRIMARY KEY, version integer NOT NULL)");
        if (Version(connection, location, component, version, what) == version)
        {
            transaction.Commit(); // another replica finished first
            return;
        }
        Execute(connection, ddl);
        Execute(connection, """
            INSERT INTO strata_schema (component, version) VALUES (@component, @version)
            ON CONFLICT (component) DO UPDATE SET version = excluded.version
            """, ("component", component), ("version", version));
        transaction.Commit();
    }

    /// <summary>The component's version recorded in the database; 0 when there is none yet.</summary>
    /// <exception cref="InvalidDataException">A newer Strata wrote it.</exception>
    private static int Version(NpgsqlConnection connection, StoreLocation location, string component, int current, string what)
    {
        using (var exists = new NpgsqlCommand("SELECT to_regclass('strata_schema') IS NOT NULL", connection))
        {
            if (exists.ExecuteScalar() is not true) return 0;
        }
        using var select = new NpgsqlCommand("SELECT version FROM strata_schema WHERE component = @component", connection);
        select.Parameters.AddWithValue("component", component);
        int version = select.ExecuteScalar() is int v ? v : 0;
        if (version > current)
        {
            throw new InvalidDataException($"{location}: {what} schema {version} was written by a newer Strata (this one reads {current})");
        }
        return version;
    }

    private static void Execute(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }
}
