using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using Strata.Serving.Storage;

namespace Strata.Tests.Support;

/// <summary>
/// The real PostgreSQL server that tests run against, never a mock: the server named by <c>STRATA_TEST_POSTGRES</c>
/// (a <c>postgres://</c> URL or connection string whose role may CREATE DATABASE) when set, else a private throwaway
/// cluster started once per test process: initdb into a temporary directory, listening on a Unix socket in it and on
/// no TCP port, so parallel runs and a system PostgreSQL never meet. A detached watchdog stops and deletes it when the
/// process exits; clusters of processes killed with their watchdog are cleaned up by the next run.
/// Linked only into test projects that reference Strata.Serving (for Npgsql and <see cref="StoreLocation"/>); the
/// files directly in tests/Shared go everywhere.
/// </summary>
public static class PostgresCluster
{
    public const string EnvironmentVariable = "STRATA_TEST_POSTGRES";

    private const string SuperUser = "postgres";
    private const string DirectoryPrefix = "strata-pg-";

    private static readonly Lazy<string> Admin = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Connection string of the server's <c>postgres</c> database as a role that may create databases; starts the cluster on first use.</summary>
    /// <exception cref="InvalidOperationException">No PostgreSQL binaries (run ./test.sh), or the cluster failed to start.</exception>
    public static string AdminConnectionString => Admin.Value;

    /// <summary>How long initdb and the start took (zero for <c>STRATA_TEST_POSTGRES</c>).</summary>
    public static TimeSpan StartupTime { get; private set; }

    private static string Start()
    {
        string? external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            return StoreLocation.Parse(external) is StoreLocation.Postgres postgres
                ? postgres.ConnectionString
                : throw new InvalidOperationException($"{EnvironmentVariable} is not a postgres:// URL or connection string: '{StoreLocation.Redact(external)}'");
        }
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException($"The private test cluster listens on a Unix socket; on Windows set {EnvironmentVariable} to a server.");
        }
        var clock = Stopwatch.StartNew();
        string bin = FindBinaries();
        // Under /tmp, not $TMPDIR: a Unix socket's path must stay under 108 bytes.
        string root = Path.Combine("/tmp", $"{DirectoryPrefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        StopAbandonedClusters(bin);
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            // initdb refuses to run as root, so as root the cluster belongs to the `postgres` user Debian's package creates.
            if (Environment.IsPrivilegedProcess) Run("chown", [SuperUser, root], root, asPostgres: false);
            string data = Path.Combine(root, "data");
            RunServerProgram(bin, "initdb", ["-D", data, "-U", SuperUser, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"], root);
            // fsync off: a throwaway cluster has nothing to lose in a crash, and tests wait on every commit otherwise.
            string options = $"-k {root} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            RunServerProgram(bin, "pg_ctl", ["-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o", options, "start"], root);
            StopWhenThisProcessEnds(bin, root);
        }
        catch
        {
            Stop(bin, root);
            throw;
        }
        StartupTime = clock.Elapsed;
        return new NpgsqlConnectionStringBuilder { Host = root, Username = SuperUser, Database = "postgres" }.ConnectionString;
    }

    /// <summary>initdb and pg_ctl from <c>pg_config --bindir</c>, else Debian's <c>/usr/lib/postgresql/VERSION/bin</c> (newest first), else PATH.</summary>
    private static string FindBinaries()
    {
        var candidates = new List<string>();
        try
        {
            var (code, output) = Run("pg_config", ["--bindir"], Environment.CurrentDirectory, asPostgres: false, throwOnFailure: false);
            if (code == 0) candidates.Add(output.Trim());
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No pg_config (it comes with libpq-dev or the server package): look in the usual places.
        }
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), CultureInfo.InvariantCulture, out int v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return candidates.FirstOrDefault(d => IsProgram(Path.Combine(d, "initdb")) && IsProgram(Path.Combine(d, "pg_ctl")))
            ?? throw new InvalidOperationException(
                "PostgreSQL's server programs (initdb, pg_ctl) were not found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH). "
                + "Run ./test.sh, which installs Debian's postgresql package, or set " + EnvironmentVariable
                + " to a server (postgres://user:password@host/postgres) whose role may CREATE DATABASE.");
    }

    // Through symbolic links (such as /usr/local/bin/initdb to Debian's copy), which may point at a removed package.
    private static bool IsProgram(string path) =>
        File.Exists(path) && (File.ResolveLinkTarget(path, returnFinalTarget: true)?.Exists ?? true);

    private static void RunServerProgram(string bin, string program, IReadOnlyList<string> arguments, string root)
    {
        var (code, output) = Run(Path.Combine(bin, program), arguments, root, asPostgres: Environment.IsPrivilegedProcess, throwOnFailure: false);
        if (code == 0) return;
        string log = Path.Combine(root, "server.log");
        string serverLog = File.Exists(log) ? "\nserver.log:\n" + File.ReadAllText(log) : "";
        throw new InvalidOperationException($"{program} failed (exit {code}) for the test cluster in {root}:\n{output}{serverLog}");
    }

    // Runs detached (its parent shell exits at once) and ignores Ctrl+C, so that neither vstest, which kills the test
    // host moments after the last test (too soon for a ProcessExit handler to finish), nor a process-tree kill takes
    // it down with the host. It polls for the host's exit, then stops the cluster and deletes its directory.
    private const string Watchdog = """
        trap '' INT HUP
        exec </dev/null >/dev/null 2>&1
        while kill -0 "$1"; do sleep 0.5; done
        if [ -n "$4" ]; then runuser -u "$4" -- "$2" -D "$3/data" -m immediate -w stop; else "$2" -D "$3/data" -m immediate -w stop; fi
        rm -rf "$3"
        """;

    private static void StopWhenThisProcessEnds(string bin, string root)
    {
        string runAs = Environment.IsPrivilegedProcess ? SuperUser : "";
        var start = new ProcessStartInfo("sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (string a in new[] { "-c", "sh -c \"$1\" strata-pg-watchdog \"$2\" \"$3\" \"$4\" \"$5\" &", "sh", Watchdog,
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Path.Combine(bin, "pg_ctl"), root, runAs })
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the test cluster's watchdog");
        process.WaitForExit();
    }

    private static void Stop(string bin, string root)
    {
        try
        {
            string data = Path.Combine(root, "data");
            // Immediate: the cluster is thrown away, so there is nothing to shut down cleanly for.
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], root, asPostgres: Environment.IsPrivilegedProcess, throwOnFailure: false);
            }
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Left for StopAbandonedClusters on the next run.
        }
    }

    /// <summary>Clusters left by test processes that were killed before they could stop theirs.</summary>
    private static void StopAbandonedClusters(string bin)
    {
        foreach (string dir in Directory.GetDirectories("/tmp", DirectoryPrefix + "*"))
        {
            string[] parts = Path.GetFileName(dir)[DirectoryPrefix.Length..].Split('-');
            if (!int.TryParse(parts[0], CultureInfo.InvariantCulture, out int pid) || IsRunning(pid)) continue;
            Stop(bin, dir);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static (int Code, string Output) Run(string file, IReadOnlyList<string> arguments, string directory, bool asPostgres, bool throwOnFailure = true)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (string a in new[] { "-u", SuperUser, "--", file }) start.ArgumentList.Add(a);
        }
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + file);
        var output = new StringBuilder();
        var stderr = process.StandardError.ReadToEndAsync();
        output.Append(process.StandardOutput.ReadToEnd());
        process.WaitForExit();
        output.Append(stderr.Result);
        if (throwOnFailure && process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed:\n{output}");
        return (process.ExitCode, output.ToString());
    }
}
