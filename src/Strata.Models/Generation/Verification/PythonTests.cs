using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Strata.Models.Generation.Verification;

public abstract partial class AnswerVerifier
{
    /// <summary>Wall-clock limit of one <c>python-tests:</c> check.</summary>
    public static readonly TimeSpan DefaultTestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>python-tests:FILE</c>: the answer is Python code (the first fenced block when it has one), and it is accepted when
    /// the code followed by the test file's statements (asserts, a <c>check(candidate)</c> call) exits with status 0.
    /// </summary>
    public static AnswerVerifier PythonTests(string testsPath, TimeSpan? timeout = null)
    {
        if (!File.Exists(testsPath)) throw new ArgumentException($"verifier 'python-tests:{testsPath}': test file not found");
        return new PythonTestRun($"python-tests:{testsPath}", File.ReadAllText(testsPath), timeout ?? DefaultTestTimeout);
    }

    /// <summary>
    /// Runs model-written code in a sandbox: a fresh temporary folder as working and home directory, an environment
    /// holding nothing but PATH (no keys or tokens leak in), Python's isolated mode (no user site, no PYTHON* variables),
    /// limits on CPU seconds, address space (1 GiB), file size (16 MB) and open files; no network (a new network
    /// namespace through <c>unshare</c>, where the machine allows one); and a wall-clock timeout after which the whole
    /// process tree is killed. The folder is deleted afterwards.
    /// </summary>
    private sealed partial class PythonTestRun(string spec, string tests, TimeSpan timeout) : AnswerVerifier(spec)
    {
        private static readonly Lazy<bool> CanIsolateNetwork = new(() => Succeeds("unshare", ["-rn", "true"]));

        public override bool Accepts(string answer)
        {
            string folder = Path.Combine(Path.GetTempPath(), "strata-verify-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                File.WriteAllText(Path.Combine(folder, "run.py"), Code(answer) + "\n\n" + tests + "\n");
                var start = new ProcessStartInfo
                {
                    WorkingDirectory = folder,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                var command = new List<string>();
                if (CanIsolateNetwork.Value) command.AddRange(["unshare", "-rn"]);
                int cpuSeconds = (int)Math.Ceiling(timeout.TotalSeconds);
                command.AddRange(["prlimit", $"--cpu={cpuSeconds}", "--as=1073741824", "--fsize=16777216", "--nofile=64", Interpreter, "-I", "-B", "run.py"]);
                start.FileName = command[0];
                foreach (string argument in command.Skip(1)) start.ArgumentList.Add(argument);
                start.Environment.Clear();
                start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
                start.Environment["HOME"] = folder;
                using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the test sandbox");
                // Drain the pipes so a chatty program cannot block on a full buffer.
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit(timeout))
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                    return false;
                }
                return process.ExitCode == 0;
            }
            finally
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                    // A file still held open by a killed child; the temporary folder is cleaned by the OS.
                }
            }
        }

        /// <summary>/usr/bin/python3 where it exists (the system interpreter), else the first python3 on PATH.</summary>
        private static string Interpreter => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

        /// <summary>The first fenced code block of the answer, or the whole answer when it has none.</summary>
        internal static string Code(string answer)
        {
            var fenced = FencePattern().Match(answer);
            return fenced.Success ? fenced.Groups[1].Value : answer;
        }

        [GeneratedRegex(@"```[ \t]*(?:python|py)?[ \t]*\r?\n(.*?)```", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
        private static partial Regex FencePattern();

        private static bool Succeeds(string program, string[] arguments)
        {
            try
            {
                var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (string argument in arguments) start.ArgumentList.Add(argument);
                using var process = Process.Start(start);
                if (process is null) return false;
                if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
                {
                    process.Kill(entireProcessTree: true);
                    return false;
                }
                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}
