using System.Text.Json;
using Strata.Evaluation.Models;
using Strata.Evaluation.Running;
using Strata.Evaluation.Tasks;
using Strata.Models.Inference;

namespace Strata.Evaluation.Tests.Harness;

/// <summary>
/// Strata's harness against tests/tools/eval_reference.py, an independent float64 numpy scorer of the same task files
/// on the same random checkpoint (byte tokenizer, so the reference needs no tokenizer code): per-item log-likelihoods,
/// predictions and acc / acc_norm / acc_bytes, and rolling perplexities.
/// </summary>
public class HarnessGoldenTests
{
    private static string Folder => Path.Combine(TestPaths.RepositoryRoot, "tests", "Strata.Evaluation.Tests", "Golden", "harness");

    private static JsonElement Golden => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "golden.json"))).RootElement;

    [Theory]
    [InlineData(BackendKind.Native)]
    [InlineData(BackendKind.Torch)]
    public async Task MultipleChoiceMatchesTheReference(BackendKind backend)
    {
        using var model = LocalModel.Open(Path.Combine(Folder, "model"), new InferenceOptions { Backend = backend });
        var task = EvaluationTask.Load(Path.Combine(Folder, "mc.yaml"));
        var result = await EvaluationRunner.RunAsync(model, task);

        var expected = Golden.GetProperty("multiple_choice");
        var items = expected.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(items.Count, result.Items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            var lls = items[i].GetProperty("loglikelihoods").EnumerateArray().Select(e => e.GetDouble()).ToList();
            Assert.Equal(lls.Count, result.Items[i].Loglikelihoods!.Count);
            for (int c = 0; c < lls.Count; c++) Assert.Equal(lls[c], result.Items[i].Loglikelihoods![c], 1e-3);
            var predictions = items[i].GetProperty("predictions");
            Assert.Equal(predictions.GetProperty("acc").GetInt32(), result.Items[i].Prediction);
            int gold = task.Instance(task.Rows[i]).Gold!.Value;
            foreach (string metric in new[] { "acc", "acc_norm", "acc_bytes" })
            {
                Assert.Equal(predictions.GetProperty(metric).GetInt32() == gold ? 1.0 : 0.0, result.Items[i].Scores[metric]);
            }
        }
        foreach (var metric in expected.GetProperty("metrics").EnumerateObject())
        {
            Assert.Equal(metric.Value.GetDouble(), result.Metrics[metric.Name].Value, 12);
        }
    }

    [Fact]
    public async Task WithTheChatTemplateChoicesFollowTheRenderedUserTurn()
    {
        using var model = LocalModel.Open(Path.Combine(Folder, "model"), new InferenceOptions());
        var result = await EvaluationRunner.RunAsync(model, EvaluationTask.Load(Path.Combine(Folder, "mc.yaml")), chatTemplate: true);
        var items = Golden.GetProperty("multiple_choice_chat").GetProperty("items").EnumerateArray().ToList();
        for (int i = 0; i < items.Count; i++)
        {
            var lls = items[i].GetProperty("loglikelihoods").EnumerateArray().Select(e => e.GetDouble()).ToList();
            for (int c = 0; c < lls.Count; c++) Assert.Equal(lls[c], result.Items[i].Loglikelihoods![c], 1e-3);
        }
        Assert.StartsWith("[{\"role\":\"user\",\"content\":\"Question: ", result.Items[0].Prompt);
    }

    [Theory]
    [InlineData(BackendKind.Native)]
    [InlineData(BackendKind.Torch)]
    public async Task LoglikelihoodAndGreedinessMatchTheReference(BackendKind backend)
    {
        using var model = LocalModel.Open(Path.Combine(Folder, "model"), new InferenceOptions { Backend = backend });
        var result = await EvaluationRunner.RunAsync(model, EvaluationTask.Load(Path.Combine(Folder, "ll.yaml")));
        var expected = Golden.GetProperty("loglikelihood");
        var items = expected.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(items.Count, result.Items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            Assert.Equal(items[i].GetProperty("loglikelihood").GetDouble(), result.Items[i].Scores["loglikelihood"], 1e-3);
            Assert.Equal(items[i].GetProperty("is_greedy").GetBoolean() ? 1.0 : 0.0, result.Items[i].Scores["acc"]);
        }
        Assert.Equal(expected.GetProperty("metrics").GetProperty("acc").GetDouble(), result.Metrics["acc"].Value, 12);
        double perplexity = expected.GetProperty("metrics").GetProperty("perplexity").GetDouble();
        Assert.InRange(result.Metrics["perplexity"].Value, perplexity * (1 - 1e-4), perplexity * (1 + 1e-4));
    }

    [Fact]
    public async Task RollingLoglikelihoodMatchesTheReference()
    {
        using var model = LocalModel.Open(Path.Combine(Folder, "model"), new InferenceOptions { Backend = BackendKind.Native });
        var result = await EvaluationRunner.RunAsync(model, EvaluationTask.Load(Path.Combine(Folder, "rolling.yaml")));

        var expected = Golden.GetProperty("rolling");
        Assert.Equal(expected.GetProperty("loglikelihood").GetDouble(), result.Items.Sum(i => i.Scores["loglikelihood"]), 2e-3);
        Assert.Equal(expected.GetProperty("bytes").GetInt32(), (int)result.Items.Sum(i => i.Scores["bytes"]));
        Assert.Equal(expected.GetProperty("words").GetInt32(), (int)result.Items.Sum(i => i.Scores["words"]));
        foreach (var metric in expected.GetProperty("metrics").EnumerateObject())
        {
            double want = metric.Value.GetDouble();
            Assert.InRange(result.Metrics[metric.Name].Value, want * (1 - 1e-5), want * (1 + 1e-5));
        }
    }

    [Fact]
    public async Task AGgufFileOfTheSameWeightsScoresTheSame()
    {
        string folder = TestPaths.NewTemporaryDirectory();
        try
        {
            string gguf = Path.Combine(folder, "golden.gguf");
            var error = new StringWriter();
            Assert.True(await Strata.Cli.StrataCli.RunAsync(["quantize", "--model", Path.Combine(Folder, "model"), "--type", "f32", "--out", gguf], new StringWriter(), error) == 0, error.ToString());
            using var model = LocalModel.Open(gguf, new InferenceOptions());
            var result = await EvaluationRunner.RunAsync(model, EvaluationTask.Load(Path.Combine(Folder, "mc.yaml")));
            var items = Golden.GetProperty("multiple_choice").GetProperty("items").EnumerateArray().ToList();
            for (int i = 0; i < items.Count; i++)
            {
                var lls = items[i].GetProperty("loglikelihoods").EnumerateArray().Select(e => e.GetDouble()).ToList();
                for (int c = 0; c < lls.Count; c++) Assert.Equal(lls[c], result.Items[i].Loglikelihoods![c], 1e-3);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ParquetRowsScoreAsJsonRowsDo()
    {
        string folder = TestPaths.NewTemporaryDirectory();
        try
        {
            var rows = File.ReadLines(Path.Combine(Folder, "mc.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).Select(r => new McRow
            {
                question = r.GetProperty("question").GetString(),
                choices = r.GetProperty("choices").EnumerateArray().Select(c => c.GetString()!).ToArray(),
                answer = r.GetProperty("answer").GetInt32(),
            }).ToList();
            await Parquet.Serialization.ParquetSerializer.SerializeAsync(rows, Path.Combine(folder, "mc.parquet"));
            File.WriteAllText(Path.Combine(folder, "mc.yaml"), File.ReadAllText(Path.Combine(Folder, "mc.yaml"))
                .Replace("dataset_path: json", "dataset_path: parquet").Replace("test: mc.jsonl", "test: mc.parquet"));
            using var model = LocalModel.Open(Path.Combine(Folder, "model"), new InferenceOptions());
            var fromParquet = await EvaluationRunner.RunAsync(model, EvaluationTask.Load(Path.Combine(folder, "mc.yaml")));
            var fromJson = await EvaluationRunner.RunAsync(model, EvaluationTask.Load(Path.Combine(Folder, "mc.yaml")));
            Assert.Equal(fromJson.Items.Select(i => i.Loglikelihoods), fromParquet.Items.Select(i => i.Loglikelihoods));
            Assert.Equal(fromJson.Items.Select(i => i.Prompt), fromParquet.Items.Select(i => i.Prompt));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public sealed class McRow
    {
        public string? question { get; set; }
        public string[] choices { get; set; } = [];
        public int answer { get; set; }
    }
}
