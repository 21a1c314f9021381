using Strata.Evaluation.Metrics;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Tests.Tasks;

/// <summary>Every task shipped in configs/eval/ loads against rows in the shape its header documents.</summary>
public class ShippedTaskTests : IDisposable
{
    private readonly string folder = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private EvaluationTask Load(string name, params (string File, string[] Rows)[] data)
    {
        File.Copy(Path.Combine(TestPaths.RepositoryRoot, "configs", "eval", name), Path.Combine(folder, name));
        foreach (var (file, rows) in data) File.WriteAllLines(Path.Combine(folder, file), rows);
        return EvaluationTask.Load(Path.Combine(folder, name));
    }

    [Fact]
    public void ArcEasy()
    {
        var task = Load("arc_easy.yaml", ("ARC-Easy-Test.jsonl", [
            """{"id": "Mercury_7175875", "question": "Which gas do plants take in?", "choices": {"text": ["oxygen", "carbon dioxide", "helium", "neon"], "label": ["A", "B", "C", "D"]}, "answerKey": "B"}""",
        ]));
        var instance = task.Instance(task.Rows[0]);
        Assert.Equal("Question: Which gas do plants take in?\nAnswer:", instance.Context);
        Assert.Equal(["oxygen", "carbon dioxide", "helium", "neon"], instance.Choices);
        Assert.Equal(1, instance.Gold);
        Assert.Equal([MetricNames.Acc, MetricNames.AccNorm], task.Config.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void Mmlu()
    {
        var task = Load("mmlu.yaml", ("mmlu-test.jsonl", [
            """{"question": " Find the degree of Q(sqrt(2)) over Q. ", "subject": "abstract_algebra", "choices": ["0", "2", "4", "6"], "answer": 1}""",
        ]));
        var instance = task.Instance(task.Rows[0]);
        Assert.Equal("Find the degree of Q(sqrt(2)) over Q.\nA. 0\nB. 2\nC. 4\nD. 6\nAnswer:", instance.Context);
        Assert.Equal(["A", "B", "C", "D"], instance.Choices);
        Assert.Equal("B", instance.Targets[0]);
    }

    [Fact]
    public void Gsm8kFiveShotAndItsScoring()
    {
        string[] train = Enumerable.Range(1, 6).Select(i => $$"""{"question": "What is {{i}} + {{i}}?", "answer": "{{i}} + {{i}} = {{2 * i}}\n#### {{2 * i}}"}""").ToArray();
        var task = Load("gsm8k.yaml", ("gsm8k-train.jsonl", train), ("gsm8k-test.jsonl", [
            """{"question": "Natalia sold 48 clips in April and half as many in May. How many in all?", "answer": "48/2 = 24\n48 + 24 = 72\n#### 72"}""",
        ]));
        var instance = task.Instance(task.Rows[0]);
        Assert.Equal(6, instance.Context.Split("\n\n").Length);   // five examples, then the question
        Assert.EndsWith("\n\nQuestion: Natalia sold 48 clips in April and half as many in May. How many in all?\nAnswer:", instance.Context);
        Assert.Contains("\n#### ", instance.Context);   // examples carry their worked answers
        string filtered = TextFilters.Apply(" She sold 24 in May, so 48 + 24 = 72.\n#### 72", task.Config.Filters);
        Assert.Equal(1.0, ExactMatch.Score(filtered, instance.Targets, task.Config.Metrics[0]));
        Assert.Equal(0.0, ExactMatch.Score(TextFilters.Apply("#### 71", task.Config.Filters), instance.Targets, task.Config.Metrics[0]));
        Assert.Equal(["Question:", "</s>", "<|im_end|>"], task.Config.Generation.Until);
    }

    [Fact]
    public void LambadaOpenAi()
    {
        var task = Load("lambada_openai.yaml", ("lambada_openai-test.jsonl", ["""{"text": "she handed him the old brass key and said goodbye to john"}"""]));
        var instance = task.Instance(task.Rows[0]);
        Assert.Equal(OutputType.Loglikelihood, task.Config.OutputType);
        Assert.Equal("she handed him the old brass key and said goodbye to", instance.Context);
        Assert.Equal(" john", instance.Targets[0]);
        Assert.Equal("", task.Config.TargetDelimiter);
        Assert.Equal("she handed him the old brass key and said goodbye to john", instance.DecontaminationText);
    }
}
