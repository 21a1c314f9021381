using System.Diagnostics;
using System.Text.Json;
using Strata.Cli;
using Strata.Models.Tokenization;
using Strata.Training.Loop;
using Strata.Training.Reports;

namespace Strata.Training.Tests.Pretraining;

/// <summary>
/// End to end through the real <c>strata</c> executable: a pretraining run killed with SIGKILL mid-run and
/// resumed with <c>--resume</c> ends with exactly the loss curve of a run that was never interrupted.
/// </summary>
public class PretrainKillAndResumeTests
{
    private static string[] Arguments(string corpus, string tokenizer, string output) =>
    [
        "pretrain", "--input", corpus, "--tokenizer", tokenizer, "--out", output, "--preset", "tiny",
        "--context-length", "32", "--batch-size", "4", "--max-steps", "40", "--checkpoint-interval", "5",
        "--eval-interval", "20", "--seed", "7",
    ];

    private static (string Corpus, string Tokenizer) Inputs(string directory)
    {
        string corpus = Path.Combine(directory, "corpus.txt");
        File.WriteAllText(corpus, File.ReadAllText(TestPaths.TinyShakespeare)[..60_000]);
        string tokenizer = Path.Combine(directory, "tokenizer.json");
        BundledTokenizer.SaveTo(tokenizer);
        return (corpus, tokenizer);
    }

    private static IReadOnlyList<LossPoint> FinalTrainLoss(string output)
    {
        string latest = new TrainingCheckpoints(output, 1).Latest() ?? throw new InvalidOperationException("no checkpoint in " + output);
        var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(Path.Combine(latest, TrainingCheckpoints.StateFile)))!;
        Assert.Equal(40, state.Step);
        return state.TrainLoss;
    }

    [Fact]
    public async Task SigkilledRunResumesToTheSameLossCurve()
    {
        string root = TestPaths.NewTemporaryDirectory();
        var (corpus, tokenizer) = Inputs(root);

        string straight = Path.Combine(root, "straight");
        var outputA = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(Arguments(corpus, tokenizer, straight), outputA, outputA));

        string killed = Path.Combine(root, "killed");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "strata.dll"));
        foreach (string argument in Arguments(corpus, tokenizer, killed)) start.ArgumentList.Add(argument);
        using (var process = Process.Start(start)!)
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            string target = Path.Combine(killed, "checkpoints", "step-00000015");
            var clock = Stopwatch.StartNew();
            while (!Directory.Exists(target) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3)) await Task.Delay(20);
            Assert.False(process.HasExited, "the run finished before it could be killed");
            process.Kill(); // SIGKILL on Linux: no handler runs, nothing is flushed
            await process.WaitForExitAsync();
        }
        Assert.False(File.Exists(Path.Combine(killed, "model.safetensors")), "a killed run must not have exported its final model");

        var outputB = new StringWriter();
        string[] resume = [.. Arguments(corpus, tokenizer, killed), "--resume"];
        Assert.Equal(0, await StrataCli.RunAsync(resume, outputB, outputB));
        Assert.Contains("[resume] resumed from step-", outputB.ToString());

        var expected = FinalTrainLoss(straight);
        var actual = FinalTrainLoss(killed);
        Assert.Equal(expected.Select(p => (p.Step, p.Loss)), actual.Select(p => (p.Step, p.Loss)));
        Assert.True(File.Exists(Path.Combine(killed, "report", "loss.png")));
    }
}
