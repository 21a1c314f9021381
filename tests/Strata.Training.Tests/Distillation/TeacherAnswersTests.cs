using Strata.Cli;
using Strata.Models.Generation;
using Strata.Training.Distillation;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Distillation;

/// <summary>
/// <c>strata distill</c>'s data: a teacher answers prompts; duplicates, failed checks and truncated answers are dropped
/// with their reasons; kept answers are tuning data; a rerun with more prompts answers only the new ones.
/// </summary>
public class TeacherAnswersTests
{
    private static string Prompt(string text, string? reference = null) =>
        reference is null
            ? $$"""{"messages":[{"role":"user","content":"{{text}}"}]}"""
            : $$"""{"messages":[{"role":"user","content":"{{text}}"},{"role":"assistant","content":"{{reference}}"}]}""";

    [Fact]
    public async Task AnswersAreFilteredKeptWithReasonsAndResumed()
    {
        string root = TestPaths.NewTemporaryDirectory();
        string teacher = Path.Combine(root, "teacher");
        var init = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["init", "--preset", "tiny", "--out", teacher], init, init));
        string first = Path.Combine(root, "first.jsonl"), all = Path.Combine(root, "all.jsonl");
        string[] lines = [Prompt("Tell me a story"), Prompt("Name a colour"), Prompt("Tell me a story"), Prompt("What is two plus two?", "zzzz-never")];
        File.WriteAllLines(first, lines[..2]);
        File.WriteAllLines(all, lines);
        string output = Path.Combine(root, "out");
        // A random tiny model rarely ends on its own: stopping at a common letter gives answers that end.
        DistillOptions Options(string prompts, int maxTokens = 24) => new()
        {
            Teacher = new TeacherSource(teacher),
            Prompts = [prompts],
            Output = output,
            CheckReference = true,
            Sampling = new SamplingOptions { Temperature = 0.7, MaxTokens = maxTokens, StopSequences = ["e", "a", "o"] },
        };

        var start = await new TeacherAnswers(Options(first)).RunAsync();
        Assert.Equal((2, 2, 0, 0), (start.Prompts, start.Kept, start.Dropped, start.AlreadyDone));

        // The rerun answers only what is new: the repeated story prompt was answered by the first run.
        var rest = await new TeacherAnswers(Options(all)).RunAsync();
        Assert.Equal((3, 0, 1), (rest.AlreadyDone, rest.Kept, rest.Dropped));
        Assert.Equal(1, rest.DroppedBy["failed the check exact:zzzz-never"]);

        var kept = ConversationReader.Read(Path.Combine(output, TeacherAnswers.KeptFile)).ToList();
        Assert.Equal(2, kept.Count);
        Assert.All(kept, c => Assert.Equal(ChatRole.Assistant, c.Messages[^1].Role));
        string dropped = File.ReadAllText(Path.Combine(output, TeacherAnswers.DroppedFile));
        Assert.Contains("\"reason\":\"failed the check exact:zzzz-never\"", dropped);
        Assert.Contains("What is two plus two?", dropped);

        // Nothing is answered twice; a token limit too small to reach a stop drops answers as truncated.
        var again = await new TeacherAnswers(Options(all)).RunAsync();
        Assert.Equal((4, 0, 0), (again.AlreadyDone, again.Kept, again.Dropped));
        string other = Path.Combine(root, "short.jsonl");
        File.WriteAllLines(other, [Prompt("Describe the sea in detail")]);
        var truncated = await new TeacherAnswers(Options(other, maxTokens: 1) with { Sampling = new SamplingOptions { Temperature = 0.7, MaxTokens = 1 } }).RunAsync();
        Assert.Equal(1, truncated.DroppedBy["truncated at the token limit"]);
    }

    [Fact]
    public async Task TheCommandPrintsWhatItKeptAndDropped()
    {
        string root = TestPaths.NewTemporaryDirectory();
        string teacher = Path.Combine(root, "teacher");
        var log = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["init", "--preset", "tiny", "--out", teacher], log, log));
        string prompts = Path.Combine(root, "p.jsonl");
        File.WriteAllLines(prompts, [Prompt("Hello"), Prompt("Hello")]);
        var output = new StringWriter();
        int code = await StrataCli.RunAsync(["distill", "--teacher", teacher, "--prompts", prompts, "--out", Path.Combine(root, "out"), "--max-tokens", "2"], output, output);
        Assert.True(code == 0, output.ToString());
        Assert.Contains("2 prompts: 0 answers kept", output.ToString());
        Assert.Contains("1 duplicate prompt", output.ToString());

        var bad = new StringWriter();
        Assert.NotEqual(0, await StrataCli.RunAsync(["distill", "--teacher", teacher, "--prompts", prompts, "--out", Path.Combine(root, "o2"), "--verify", "unit-tests"], bad, bad));
        Assert.Contains("unknown verifier", bad.ToString());
    }

    [Fact]
    public async Task ExamplesOverlappingAnEvaluationSetAreDroppedWithTheItemNamed()
    {
        string root = TestPaths.NewTemporaryDirectory();
        string teacher = Path.Combine(root, "teacher");
        var log = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["init", "--preset", "tiny", "--out", teacher], log, log));
        string evaluation = Path.Combine(root, "heldout.jsonl"), prompts = Path.Combine(root, "p.jsonl");
        File.WriteAllLines(evaluation, [
            """{"id":"q7","question":"Which river flows through the ancient city of Verona in northern Italy today?","answer":"Adige"}""",
        ]);
        File.WriteAllLines(prompts, [
            Prompt("Quiz: which river flows through the ancient city of Verona in northern Italy today? Answer briefly."),
            Prompt("Name a colour"),
        ]);
        string output = Path.Combine(root, "out");
        var summary = await new TeacherAnswers(new DistillOptions
        {
            Teacher = new TeacherSource(teacher),
            Prompts = [prompts],
            Output = output,
            Decontaminate = [evaluation],
            Sampling = new SamplingOptions { Temperature = 0.7, MaxTokens = 2 },
        }).RunAsync();
        Assert.Equal(1, summary.DroppedBy["prompt overlaps evaluation item q7"]);
        Assert.Equal(2, summary.Kept + summary.Dropped);
        Assert.Contains("Verona", File.ReadAllText(Path.Combine(output, TeacherAnswers.DroppedFile)));

        var missing = new StringWriter();
        Assert.NotEqual(0, await StrataCli.RunAsync(["distill", "--teacher", teacher, "--prompts", prompts, "--out", Path.Combine(root, "o2"),
            "--decontaminate", Path.Combine(root, "nope.jsonl")], missing, missing));
        Assert.Contains("nope.jsonl", missing.ToString());
    }

    [Fact]
    public async Task ExpandWritesNewTasksFirstAndAnswersThemWithTheRest()
    {
        string root = TestPaths.NewTemporaryDirectory();
        string teacher = Path.Combine(root, "teacher");
        var log = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["init", "--preset", "tiny", "--out", teacher], log, log));
        string prompts = Path.Combine(root, "p.jsonl"), output = Path.Combine(root, "out");
        File.WriteAllLines(prompts, [Prompt("Uppercase: venice"), Prompt("Say it twice: crown")]);
        var printed = new StringWriter();
        int code = await StrataCli.RunAsync(["distill", "--teacher", teacher, "--prompts", prompts, "--out", output, "--expand", "2", "--max-tokens", "8"], printed, printed);
        Assert.True(code == 0, printed.ToString());
        Assert.Contains("Self-Instruct:", printed.ToString());
        int generated = File.ReadAllLines(Path.Combine(output, SelfInstruct.PromptsFile)).Length;
        int answered = File.ReadAllLines(Path.Combine(output, TeacherAnswers.KeptFile)).Length + File.ReadAllLines(Path.Combine(output, TeacherAnswers.DroppedFile)).Length;
        Assert.Equal(2 + generated, answered);
    }
}
