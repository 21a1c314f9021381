namespace Strata.Data.IO;

/// <summary>
/// A shard file written to <c>{path}.tmp</c> and renamed into place on <see cref="Commit"/>: it either is complete or
/// does not exist, so an interrupted run never leaves a half-written shard that looks finished. Disposing without
/// committing deletes the temporary file.
/// </summary>
public abstract class TemporaryShardFile : IDisposable
{
    private readonly string path, temporary;
    private bool committed;

    protected TemporaryShardFile(string path)
    {
        this.path = path;
        temporary = path + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File = System.IO.File.Create(temporary);
    }

    /// <summary>The temporary file the subclass writes its format into.</summary>
    protected FileStream File { get; }

    /// <summary>Closes the subclass's writers over <see cref="File"/>; <paramref name="complete"/> when committing
    /// (write any buffered rows and footers), false when abandoning.</summary>
    protected abstract void CloseWriters(bool complete);

    public void Commit()
    {
        CloseWriters(complete: true);
        File.Dispose();
        System.IO.File.Move(temporary, path, overwrite: true);
        committed = true;
    }

    public void Dispose()
    {
        if (committed) return;
        try
        {
            CloseWriters(complete: false);
        }
        catch (IOException)
        {
            // the partial file is deleted below anyway
        }
        File.Dispose();
        if (System.IO.File.Exists(temporary)) System.IO.File.Delete(temporary);
        GC.SuppressFinalize(this);
    }
}
