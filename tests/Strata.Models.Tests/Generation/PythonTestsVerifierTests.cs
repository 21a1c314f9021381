using System.Diagnostics;
using Strata.Models.Generation.Verification;

namespace Strata.Models.Tests.Generation;

/// <summary>
/// <c>python-tests:FILE</c>: model-written code is accepted only when it passes the tests, runs in a sandbox (no
/// inherited secrets, no network where namespaces are available, a fresh folder) and is killed at its timeout.
/// </summary>
public class PythonTestsVerifierTests
{
    private static string Tests(string body)
    {
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "tests.py");
        File.WriteAllText(path, body);
        return path;
    }

    private static readonly string AddTests = Tests("assert add(2, 3) == 5\nassert add(-1, 1) == 0\n");

    [Fact]
    public void CodeThatPassesTheTestsIsAcceptedAndCodeThatFailsIsNot()
    {
        var verifier = AnswerVerifier.Parse("python-tests:" + AddTests);
        Assert.True(verifier.Accepts("Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\nIt adds."));
        Assert.True(verifier.Accepts("def add(a, b):\n    return b + a"));
        Assert.False(verifier.Accepts("```python\ndef add(a, b):\n    return a - b\n```"));
        Assert.False(verifier.Accepts("def add(a, b) return a + b"));   // a syntax error
        Assert.False(verifier.Accepts("I cannot write that function."));
    }

    [Fact]
    public void ARunawayAnswerIsKilledAtItsTimeout()
    {
        var verifier = AnswerVerifier.PythonTests(AddTests, TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();
        Assert.False(verifier.Accepts("def add(a, b):\n    while True:\n        pass\n"));
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 8);
    }

    [Fact]
    public void TheSandboxPassesNoSecretsAndStartsInAnEmptyFolder()
    {
        Environment.SetEnvironmentVariable("STRATA_TEST_SECRET", "hunter2");
        try
        {
            var verifier = AnswerVerifier.Parse("python-tests:" + Tests(
                "import os\nassert 'STRATA_TEST_SECRET' not in os.environ\nassert sorted(os.listdir('.')) == ['run.py'], os.listdir('.')\n"));
            Assert.True(verifier.Accepts("x = 1"));
            var leaks = AnswerVerifier.Parse("python-tests:" + Tests("import os\nassert os.environ.get('STRATA_TEST_SECRET') == 'hunter2'\n"));
            Assert.False(leaks.Accepts("x = 1"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("STRATA_TEST_SECRET", null);
        }
    }

    [Fact]
    public void TheSandboxCannotReachAServerOnThisMachine()
    {
        using var probe = Process.Start(new ProcessStartInfo("unshare", ["-rn", "true"]) { RedirectStandardError = true })!;
        probe.WaitForExit();
        if (probe.ExitCode != 0) return; // no network namespaces here: the verifier runs without them, as documented
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            string connect = $"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n    reached = True\nexcept OSError:\n    reached = False\n";
            Assert.True(AnswerVerifier.Parse("python-tests:" + Tests(connect + "assert not reached\n")).Accepts("x = 1"));
            // The same program outside the sandbox does reach it, so the check above can fail.
            string direct = Tests(connect + "assert reached\n");
            using var outside = Process.Start(new ProcessStartInfo("/usr/bin/python3", [direct]))!;
            outside.WaitForExit();
            Assert.Equal(0, outside.ExitCode);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void AMissingTestFileIsNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => AnswerVerifier.Parse("python-tests:/no/such/tests.py"));
        Assert.Contains("/no/such/tests.py", error.Message);
    }
}
