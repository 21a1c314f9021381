using System.Text.Json.Nodes;
using Strata.Cli;

namespace Strata.Evaluation.Tests.Cli;

public class EvalCommandTests : IDisposable
{
    private readonly string folder = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static string Golden => Path.Combine(TestPaths.RepositoryRoot, "tests", "Strata.Evaluation.Tests", "Golden", "harness");

    [Fact]
    public async Task WritesResultsForSeveralModelsAndTasks()
    {
        string model = Path.Combine(Golden, "model");
        string train = Path.Combine(folder, "train.jsonl");
        File.WriteAllText(train, """{"text": "Question: Capital of Japan\nAnswer: 東京"}""" + "\n");
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await StrataCli.RunAsync(["eval", "--model", model + "=golden", model + "=again", "--tasks", Path.Combine(Golden, "mc.yaml"), Path.Combine(Golden, "rolling.yaml"),
            "--train-data", train, "--out", folder], output, error);
        Assert.True(code == 0, error.ToString());

        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "results.json")))!;
        Assert.Equal(4, results["results"]!.AsArray().Count);
        var mc = results["results"]!.AsArray().First(r => r!["task"]!.GetValue<string>() == "golden_mc" && r["model"]!.GetValue<string>() == "golden")!;
        Assert.Equal(10, mc["items"]!.GetValue<int>());
        Assert.Equal(1, mc["contaminated_items"]!.GetValue<int>());   // the Japan item appears whole in train.jsonl
        Assert.Equal(0.2, mc["metrics"]!["acc"]!["value"]!.GetValue<double>(), 12);
        Assert.Equal("[3]", results["contamination"]!["items"]!["golden_mc"]!.ToJsonString());
        // The same model twice: every paired difference is zero.
        Assert.All(results["comparisons"]!.AsArray(), c => Assert.Equal(0, c!["difference"]!.GetValue<double>()));

        string samples = Path.Combine(folder, "samples", "golden", "golden_mc.jsonl");
        var first = JsonNode.Parse(File.ReadLines(samples).First())!;
        Assert.Equal(0, first["doc_id"]!.GetValue<int>());
        Assert.Equal(3, first["loglikelihoods"]!.AsArray().Count);
        Assert.Contains("| golden_mc | acc ↑ |", output.ToString());
        Assert.Contains("golden · golden_mc: 10/10", error.ToString());
    }

    [Fact]
    public async Task ARerunReusesWhatIsScoredAndRescoresWhatChanged()
    {
        string model = Path.Combine(Golden, "model");
        foreach (string file in new[] { "mc.yaml", "mc.jsonl", "rolling.yaml", "rolling.jsonl" }) File.Copy(Path.Combine(Golden, file), Path.Combine(folder, file));
        string[] args = ["eval", "--model", model + "=golden", "--tasks", Path.Combine(folder, "mc.yaml"), Path.Combine(folder, "rolling.yaml"), "--out", Path.Combine(folder, "out")];
        Assert.Equal(0, await StrataCli.RunAsync(args, new StringWriter(), new StringWriter()));
        string first = File.ReadAllText(Path.Combine(folder, "out", "results.md"));

        var again = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(args, new StringWriter(), again));
        Assert.Contains("golden · golden_mc: reusing 10 saved items", again.ToString());
        Assert.DoesNotContain("loading golden", again.ToString());   // nothing left to score: the model is not even loaded
        Assert.Equal(first, File.ReadAllText(Path.Combine(folder, "out", "results.md")));

        File.AppendAllText(Path.Combine(folder, "mc.yaml"), "description: \"Answer.\\n\"\n");
        var changed = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(args, new StringWriter(), changed));
        Assert.Contains("golden · golden_rolling: reusing", changed.ToString());
        Assert.Contains("golden · golden_mc: 10/10", changed.ToString());
    }

    [Fact]
    public async Task AMalformedTaskFileFailsBeforeAnyModelLoads()
    {
        string task = Path.Combine(folder, "bad.yaml");
        File.WriteAllText(task, "task: bad\ndataset_path: nowhere.jsonl\ndoc_to_text: x\ndoc_to_target: y\n");
        var error = new StringWriter();
        int code = await StrataCli.RunAsync(["eval", "--model", Path.Combine(folder, "no-model"), "--tasks", task, "--out", folder], new StringWriter(), error);
        Assert.NotEqual(0, code);
        Assert.Contains($"{task}:2: dataset_path: no data file", error.ToString());
    }
}
