using System.Text.RegularExpressions;
using Strata.Cli;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Cli;

/// <summary><c>strata serve</c> end to end, in-process: it listens, reports ready, serves, and stops on cancellation.</summary>
public sealed partial class ServeCommandTests
{
    [Fact]
    public async Task ServesAModelDirectoryUntilCancelled()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = StrataCli.RunAsync(["serve", "--model", $"{TinyModels.SharedDirectory}=tiny", "--port", "0", "--key-store", Path.Combine(TestPaths.NewTemporaryDirectory(), "none.db")],
            TextWriter.Synchronized(output), TextWriter.Synchronized(error), stop.Token);
        for (int i = 0; i < 600 && !output.ToString().Contains("ready: tiny", StringComparison.Ordinal) && !run.IsCompleted; i++) await Task.Delay(50);
        Assert.Contains("ready: tiny (jinja chat format, context 512, native backend)", output.ToString());
        string address = ListeningOn().Match(output.ToString()).Groups[1].Value;

        using var client = new HttpClient { BaseAddress = new Uri(address + "/") };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("health")).StatusCode);
        Assert.Contains("tiny", await client.GetStringAsync("v1/models"));
        stop.Cancel();
        Assert.Equal(0, await run);
    }

    [Fact]
    public async Task RefusesAPublicAddressWithoutKeys()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await StrataCli.RunAsync(["serve", "--model", TinyModels.SharedDirectory, "--host", "0.0.0.0", "--port", "0",
            "--key-store", Path.Combine(TestPaths.NewTemporaryDirectory(), "none.db")], output, error);
        Assert.Equal(1, code);
        Assert.Contains("refusing to listen on 0.0.0.0 without API keys", error.ToString());
    }

    [Fact]
    public async Task RefusesArenaLimitsBelowOne()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await StrataCli.RunAsync(["serve", "--model", TinyModels.SharedDirectory, "--port", "0",
            "--store", Path.Combine(TestPaths.NewTemporaryDirectory(), "strata.db"), "--arena-daily-votes", "0"], output, error);
        Assert.Equal(1, code);
        Assert.Contains("daily vote cap must be at least 1", error.ToString());
    }

    [GeneratedRegex(@"listening on (http://[^\s]+) ")]
    private static partial Regex ListeningOn();
}
