namespace Strata.Training.Tests.Support;

/// <summary>Locations the training tests read from: the repository and the shared data folder beside it.</summary>
public static class TrainingTestPaths
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The shared data folder beside the repository (tests only; the product never needs it).</summary>
    public static string SharedData => Path.Combine(RepositoryRoot, "..", "shared", "data");

    public static string TinyShakespeare => Path.Combine(SharedData, "tinyshakespeare", "input.txt");

    public static string NewTemporaryDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "strata-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Strata.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find Strata.sln above " + AppContext.BaseDirectory);
    }
}
