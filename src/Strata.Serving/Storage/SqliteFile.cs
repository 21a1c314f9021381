namespace Strata.Serving.Storage;

/// <summary>How Strata's stores create a SQLite file: private to its owner, whichever store creates it first.</summary>
internal static class SqliteFile
{
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
