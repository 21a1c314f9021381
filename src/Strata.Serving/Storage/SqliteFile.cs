using Microsoft.Data.Sqlite;

namespace Strata.Serving.Storage;

/// <summary>How Strata's stores create and open a SQLite file: private to its owner, whichever store creates it first.</summary>
internal static class SqliteFile
{
    private const int SqliteNotADatabase = 26;

    /// <summary>
    /// Readies a store just made over a SQLite file: runs <paramref name="ensureSchema"/>; a file that is not a SQLite
    /// database becomes an <see cref="InvalidDataException"/> naming it, and on any failure the store is disposed.
    /// </summary>
    /// <param name="what">What the store holds, for the message ("key store", "document store", …).</param>
    public static T Ready<T>(T store, string path, string what, Action<T> ensureSchema) where T : IDisposable
    {
        try
        {
            ensureSchema(store);
            return store;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteNotADatabase)
        {
            store.Dispose();
            throw new InvalidDataException($"{path}: not a Strata {what} ({e.Message})", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// On Unix, creates the directory and the empty database file readable by their owner only before SQLite touches
    /// them: tenant names, key ids and arena conversations are nobody else's business.
    /// </summary>
    public static void CreatePrivately(string full)
    {
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
            else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        if (File.Exists(full) || OperatingSystem.IsWindows()) return;
        try
        {
            // An empty file is a valid, empty SQLite database.
            using var _ = new FileStream(full, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(full))
        {
            // Another process created it first; theirs is as good as ours.
        }
    }
}
