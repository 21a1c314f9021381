using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Tests.Tasks;

public class TaskFileTests : IDisposable
{
    private readonly string folder = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string yaml, string data = """{"q": "2+2", "choices": ["3", "4"], "answer": 1}""")
    {
        File.WriteAllText(Path.Combine(folder, "data.jsonl"), data + "\n");
        string path = Path.Combine(folder, "task.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string Valid = """
        task: arithmetic
        dataset_path: data.jsonl
        output_type: multiple_choice
        doc_to_text: "Q: {{q}}\nA:"
        doc_to_choice: choices
        doc_to_target: answer
        """;

    [Fact]
    public void ReadsTheHarnessFields()
    {
        var task = EvaluationTask.Load(Write(Valid));
        var instance = task.Instance(task.Rows[0]);
        Assert.Equal("arithmetic", task.Name);
        Assert.Equal(OutputType.MultipleChoice, task.Config.OutputType);
        Assert.Equal("Q: 2+2\nA:", instance.Context);
        Assert.Equal(["3", "4"], instance.Choices);
        Assert.Equal(1, instance.Gold);
        Assert.Equal(" ", task.Config.TargetDelimiter);
        Assert.Equal("\n\n", task.Config.FewshotDelimiter);
    }

    [Fact]
    public void JsonTaskFilesReadTheSame()
    {
        File.WriteAllText(Path.Combine(folder, "data.jsonl"), """{"q": "x", "choices": ["a", "b"], "answer": "b"}""" + "\n");
        string path = Path.Combine(folder, "task.json");
        File.WriteAllText(path, """{"task": "t", "dataset_path": "data.jsonl", "output_type": "multiple_choice", "doc_to_text": "{{q}}", "doc_to_choice": "{{choices}}", "doc_to_target": "answer"}""");
        var task = EvaluationTask.Load(path);
        var instance = task.Instance(task.Rows[0]);
        Assert.Equal(["a", "b"], instance.Choices);
        Assert.Equal(1, instance.Gold);   // a target given as the choice's text
    }

    [Fact]
    public void ChoicesMayBeAListOfTemplates()
    {
        var task = EvaluationTask.Load(Write(Valid.Replace("doc_to_choice: choices", "doc_to_choice: [\"{{choices[0]}}!\", \"no\"]")));
        Assert.Equal(["3!", "no"], task.Instance(task.Rows[0]).Choices);
    }

    [Theory]
    [InlineData("output_type: multiple_choice", "output_type: ranking", 3, "output_type", "ranking")]
    [InlineData("doc_to_target: answer", "doc_to_target: answer\nnum_fewshots: 2", 7, "num_fewshots", "unknown key")]
    [InlineData("doc_to_target: answer", "doc_to_target: answer\nprocess_docs: !function utils.process", 7, "process_docs", "Python")]
    [InlineData("doc_to_target: answer", "doc_to_target: answer\nnum_fewshot: -1", 7, "num_fewshot", "whole number")]
    [InlineData("dataset_path: data.jsonl", "dataset_path: missing.jsonl", 2, "dataset_path", "no data file")]
    [InlineData("dataset_path: data.jsonl", "dataset_path: cais/mmlu", 2, "dataset_path", "Hugging Face Hub")]
    [InlineData("doc_to_choice: choices\n", "", 1, "doc_to_choice", "need doc_to_choice")]
    public void MalformedFilesNameFileLineAndField(string from, string to, int line, string field, string message)
    {
        string path = Write(Valid.Replace(from, to));
        var error = Assert.Throws<TaskFileException>(() => EvaluationTask.Load(path));
        Assert.Equal(path, error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
        Assert.StartsWith($"{path}:{line}: {field}: ", error.Message);
    }

    [Fact]
    public void BrokenYamlNamesTheLine()
    {
        string path = Write("task: t\ndataset_path: [unclosed\n");
        var error = Assert.Throws<TaskFileException>(() => EvaluationTask.Load(path));
        Assert.Contains("not valid YAML", error.Message);
        Assert.True(error.Line >= 2);
    }

    [Fact]
    public void AMissingFieldInARowNamesTheDataFileAndLine()
    {
        string path = Write(Valid.Replace("{{q}}", "{{question}}"), """{"q": "1", "choices": ["a"], "answer": 0}""" + "\n" + """{"q": "2", "choices": ["a"], "answer": 0}""");
        var task = EvaluationTask.Load(path);
        var error = Assert.Throws<TaskFileException>(() => task.Instance(task.Rows[1]));
        Assert.EndsWith("data.jsonl", error.File);
        Assert.Equal(2, error.Line);
        Assert.Equal("doc_to_text", error.Field);
        Assert.Contains("'question' is undefined", error.Message);
    }

    [Fact]
    public void ATargetOutsideTheChoicesIsRefused()
    {
        var task = EvaluationTask.Load(Write(Valid, """{"q": "2+2", "choices": ["3", "4"], "answer": 5}"""));
        var error = Assert.Throws<TaskFileException>(() => task.Instance(task.Rows[0]));
        Assert.Equal("doc_to_target", error.Field);
    }

    [Fact]
    public void BadDataLinesNameTheirLine()
    {
        string path = Write(Valid, """{"q": "1", "choices": ["a"], "answer": 0}""" + "\n\n" + "{broken");
        var error = Assert.Throws<TaskFileException>(() => EvaluationTask.Load(path));
        Assert.Equal(3, error.Line);
        Assert.EndsWith("data.jsonl", error.File);
    }

    [Fact]
    public void FewShotExamplesComeFromOtherRowsWithAFixedSeed()
    {
        string rows = string.Join("\n", Enumerable.Range(0, 6).Select(i => $$"""{"q": "q{{i}}", "choices": ["x{{i}}", "y{{i}}"], "answer": {{i % 2}}}"""));
        string path = Write(Valid + "\nnum_fewshot: 2\ndescription: \"Answer.\\n\\n\"\n", rows);
        var task = EvaluationTask.Load(path);
        var first = task.Instance(task.Rows[3]).Context;
        var again = EvaluationTask.Load(path).Instance(task.Rows[3]).Context;
        Assert.Equal(first, again);
        Assert.StartsWith("Answer.\n\nQ: q", first);
        Assert.EndsWith("\n\nQ: q3\nA:", first);
        Assert.DoesNotContain("Q: q3\nA: ", first);   // never the item itself as an example
        var blocks = first["Answer.\n\n".Length..].Split("\n\n");
        Assert.Equal(3, blocks.Length);
        foreach (string example in blocks[..2])
        {
            // "Q: qK\nA: <gold choice of row K>"
            int k = example[4] - '0';
            Assert.Equal($"Q: q{k}\nA: {(k % 2 == 0 ? "x" : "y")}{k}", example);
        }
    }
}
