using Strata.Evaluation.Reports;
using Strata.Evaluation.Running;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Tests.Running;

public class GenerationTaskTests : IDisposable
{
    private readonly string folder = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private EvaluationTask Task(string yaml, params string[] rows)
    {
        File.WriteAllText(Path.Combine(folder, "data.jsonl"), string.Join("\n", rows) + "\n");
        File.WriteAllText(Path.Combine(folder, "task.yaml"), yaml);
        return EvaluationTask.Load(Path.Combine(folder, "task.yaml"));
    }

    private const string Gsm = """
        task: sums
        dataset_path: data.jsonl
        output_type: generate_until
        doc_to_text: "Question: {{question}}\nAnswer:"
        doc_to_target: "{{answer.split('#### ')[-1]}}"
        generation_kwargs:
          until: ["Question:"]
          max_gen_toks: 32
        filter_list:
          - name: strict-match
            filter:
              - function: regex
                regex_pattern: "#### (\\-?[0-9\\.\\,]+)"
              - function: take_first
        metric_list:
          - metric: exact_match
        """;

    [Fact]
    public async Task GenerationsAreFilteredThenMatched()
    {
        var task = Task(Gsm,
            """{"question": "1+1", "answer": "one and one\n#### 2"}""",
            """{"question": "2+3", "answer": "#### 5"}""",
            """{"question": "4+4", "answer": "#### 8"}""");
        var replies = new Dictionary<string, string> { ["1+1"] = " so #### 2", ["2+3"] = " it is 5", ["4+4"] = " #### 9" };
        using var model = new ScriptedModel("m", p => replies[p.Text.Split('\n')[0]["Question: ".Length..]]);
        var result = await EvaluationRunner.RunAsync(model, task);

        Assert.Equal(["2"], result.Items[0].Targets);
        Assert.Equal(["2", "[invalid]", "9"], result.Items.Select(i => i.Filtered));
        Assert.Equal([1.0, 0, 0], result.Items.Select(i => i.Scores["exact_match"]));
        Assert.Equal(1.0 / 3, result.Metrics["exact_match"].Value, 12);
        Assert.All(model.Calls, c =>
        {
            Assert.Equal(["Question:"], c.Until);
            Assert.Equal(32, c.MaxTokens);
        });
    }

    [Fact]
    public async Task ChatTasksPassTheirTurnsToTheModel()
    {
        var task = Task("""
            task: chat
            dataset_path: data.jsonl
            doc_to_messages: messages
            doc_to_target: answer
            generation_kwargs: {until: ["\n"], max_gen_toks: 8}
            filter_list: [{name: s, filter: [{function: strip}]}]
            """,
            """{"messages": [{"role": "user", "content": "Say hi"}], "answer": "hi"}""");
        using var model = new ScriptedModel("m", p => p.Messages![0]!["content"]!.GetValue<string>() == "Say hi" ? "  hi " : "no");
        var result = await EvaluationRunner.RunAsync(model, task);
        Assert.Equal(1.0, result.Metrics["exact_match"].Value);
        Assert.NotNull(model.Calls[0].Prompt.Messages);
    }

    [Fact]
    public async Task ScoringTasksRefuseModelsWithoutProbabilities()
    {
        var task = Task("""
            task: mc
            dataset_path: data.jsonl
            output_type: multiple_choice
            doc_to_text: "{{q}}"
            doc_to_choice: ["a", "b"]
            doc_to_target: 0
            """, """{"q": "x"}""");
        using var model = new ScriptedModel("remote", _ => "");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => EvaluationRunner.RunAsync(model, task));
        Assert.Contains("generate_until tasks only", error.Message);
    }

    [Fact]
    public async Task ContaminatedItemsAreScoredApartAndReported()
    {
        var task = Task("""
            task: facts
            dataset_path: data.jsonl
            doc_to_text: "{{q}}"
            doc_to_target: "{{a}}"
            """,
            """{"q": "the quick brown fox jumps over the lazy dog near the quiet river bank today", "a": "yes"}""",
            """{"q": "an entirely different question about distant galaxies and their strange luminous cores", "a": "no"}""",
            """{"q": "what colour is the sky", "a": "blue"}""");
        string training = Path.Combine(folder, "train.jsonl");
        File.WriteAllText(training, """{"text": "Once, THE quick brown fox jumps over the lazy dog, near the quiet river bank today. Yes!"}""" + "\n"
            + """{"messages": [{"role": "user", "content": "what colour is the sky blue"}]}""" + "\n");
        using var model = new ScriptedModel("m", p => p.Text.StartsWith("an entirely") ? "no" : "wrong");
        var instances = EvaluationRunner.Instances(task, null);
        var contamination = ContaminationCheck.Run([(task.Name, instances)], [training]);
        var result = await EvaluationRunner.RunAsync(model, task, contamination: contamination);

        // Item 0 shares a 13-gram (case and punctuation ignored); item 2 is shorter than 13 words and appears whole.
        Assert.Equal([true, false, true], result.Items.Select(i => i.Contaminated));
        Assert.Equal(2, result.Contaminated);
        Assert.Equal(1.0 / 3, result.Metrics["exact_match"].Value, 12);
        Assert.Equal(1.0, result.Clean!["exact_match"].Value);
        Assert.Equal(1, result.Clean["exact_match"].Items);
        Assert.Equal(2, contamination.TrainingDocuments);

        var report = EvaluationReport.Build([result], contamination, DateTimeOffset.UnixEpoch);
        var json = ResultsFiles.ToJson(report);
        Assert.Equal(2, json["results"]![0]!["contaminated_items"]!.GetValue<int>());
        Assert.Equal(1.0, json["results"]![0]!["clean_metrics"]!["exact_match"]!["value"]!.GetValue<double>());
        Assert.Equal("[0,2]", json["contamination"]!["items"]!["facts"]!.ToJsonString());
        Assert.Contains("| facts | exact_match ↑ | 0.3333 ± 0.3333 / 1.0000 |", ResultsFiles.Markdown(report));
    }

    [Fact]
    public async Task ModelsAreComparedItemByItemWithTheFirst()
    {
        string[] rows = Enumerable.Range(0, 8).Select(i => $$"""{"q": "q{{i}}", "a": "a{{i}}"}""").ToArray();
        var task = Task("task: t\ndataset_path: data.jsonl\ndoc_to_text: \"{{q}}\"\ndoc_to_target: a\n", rows);
        using var weak = new ScriptedModel("weak", p => p.Text == "q0" ? "a0" : "x");
        using var strong = new ScriptedModel("strong", p => p.Text == "q7" ? "x" : "a" + p.Text[1..]);
        var results = new[] { await EvaluationRunner.RunAsync(weak, task), await EvaluationRunner.RunAsync(strong, task) };
        var comparison = Assert.Single(EvaluationReport.Build(results, null, DateTimeOffset.UnixEpoch).Comparisons);
        Assert.Equal(("strong", "weak", "exact_match"), (comparison.Model, comparison.Baseline, comparison.Metric));
        // strong gets q0–q6 right, weak only q0: six items only strong got right, none only weak.
        Assert.Equal(7.0 / 8 - 1.0 / 8, comparison.Result.Difference, 12);
        Assert.Equal((6, 0), (comparison.Result.OnlyA, comparison.Result.OnlyB));
        Assert.Equal(2.0 / 64, comparison.Result.McNemarP!.Value, 12);   // 2·C(6,0)/2⁶
    }

    public sealed class Shard
    {
        public string? id { get; set; }
        public string? text { get; set; }
    }

    [Fact]
    public async Task ParquetShardsAndFoldersAreReadForContamination()
    {
        var task = Task("task: t\ndataset_path: data.jsonl\ndoc_to_text: \"{{q}}\"\ndoc_to_target: a\n",
            """{"q": "what colour is the sky", "a": "blue"}""", """{"q": "how tall is the tower", "a": "tall"}""");
        string corpus = Path.Combine(folder, "corpus", "nested");
        Directory.CreateDirectory(corpus);
        await Parquet.Serialization.ParquetSerializer.SerializeAsync(new[] { new Shard { id = "1", text = "What colour is the sky? Blue." } }, Path.Combine(corpus, "shard-00000.parquet"));
        File.WriteAllText(Path.Combine(corpus, "notes.txt"), "how tall is the tower tall");   // not a corpus file: skipped
        var files = TrainingTexts.Files([Path.Combine(folder, "corpus")]);
        Assert.Equal(["shard-00000.parquet"], files.Select(Path.GetFileName));
        var report = ContaminationCheck.Run([(task.Name, EvaluationRunner.Instances(task, null))], files);
        Assert.Equal([0], report.Items["t"]);
        Assert.Equal(1, report.TrainingDocuments);
    }
}
