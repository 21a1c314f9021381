using System.Text.Json.Nodes;
using Strata.Data.Decontamination;

namespace Strata.Data.Tests.Decontamination;

public class DecontaminationTests
{
    // 16 words: it holds four 13-grams and twelve 5-grams.
    private const string Question = "Which planet in our solar system has the largest number of known moons orbiting it today?";

    private static Document Doc(string id, string text) => new(id, text, new JsonObject());

    [Fact]
    public void FindsA13GramAfterLowercasingAndDeletingPunctuation()
    {
        var index = new EvalNGramIndex([new EvalItem("q1", Question)]);
        Assert.Equal(4, index.NGramCount);
        // Words 2..14 of the question, recased and repunctuated, inside other text.
        Assert.Equal(["q1"], index.Find("Trivia night! PLANET in our solar system, has the LARGEST number of known moons: orbiting... who knows"));
        // Only 12 consecutive words of it: no 13-gram in common.
        Assert.Empty(index.Find("planet in our solar system has the largest number of known moons and more"));
        // lm-eval deletes punctuation rather than splitting on it: "solar-system" is one word there, "solarsystem".
        Assert.Empty(index.Find("which planet in our solar-system has the largest number of known moons orbiting"));
    }

    [Fact]
    public void NIsConfigurable()
    {
        var index = new EvalNGramIndex([new EvalItem("q1", Question)], new DecontaminationOptions(N: 5));
        Assert.Equal(12, index.NGramCount);
        Assert.Equal(["q1"], index.Find("the largest number of known"));
        Assert.Empty(index.Find("the largest number of unknown"));
    }

    [Fact]
    public void ItemsShorterThanNMatchAsAWhole()
    {
        var index = new EvalNGramIndex([new EvalItem("short", "Paris is the capital."), new EvalItem("long", Question)]);
        Assert.Equal(["short"], index.Find("Everyone knows paris is the capital of France."));
        Assert.Empty(index.Find("paris is a capital"));
        Assert.Equal(["short", "long"], index.Find(Question + " Paris is the capital"));
    }

    [Fact]
    public void NGramsSharedByTwoItemsReportBoth()
    {
        string shared = "one two three four five six seven eight nine ten eleven twelve thirteen";
        var index = new EvalNGramIndex([new EvalItem("a", shared + " alpha"), new EvalItem("b", "beta " + shared)]);
        Assert.Equal(["a", "b"], index.Find(shared));
    }

    [Fact]
    public void ParsesCommonBenchmarkShapes()
    {
        var items = EvalItems.Parse(
        [
            """{"id":"x1","text":"Plain text item.","answer":"ignored"}""",
            "",
            """{"question":"What is two plus two?","answer":"4","choices":["3","4"]}""",
            """{"task_id":"HumanEval/0","prompt":"def f():","canonical_solution":"return 1"}""",
            """{"idx":7,"question":"Q?","choices":{"label":["A","B"],"text":["yes","no"]}}""",
            """{"kind":"upper","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Uppercase: venice"}],"answer":"VENICE"}""",
        ], "bench");
        Assert.Equal(["x1", "bench:3", "HumanEval/0", "7", "bench:6"], items.Select(i => i.Id));
        Assert.Equal("Be brief.\nUppercase: venice\nVENICE\n", items[4].Text); // chat items: contents, not role names
        Assert.Equal("Plain text item.\n", items[0].Text);
        Assert.Equal("What is two plus two?\n3\n4\n4\n", items[1].Text);
        Assert.Equal("def f():\nreturn 1\n", items[2].Text);
        Assert.Equal("Q?\nA\nB\nyes\nno\n", items[3].Text);
    }

    [Fact]
    public void StageRemovesOrFlagsAndReportsLeaks()
    {
        var index = new EvalNGramIndex([new EvalItem("q1", Question), new EvalItem("q2", "A short item.")]);
        var report = new LeakReport();
        var remove = new DecontaminateStage(index, new DecontaminationOptions(), report);
        var flag = new DecontaminateStage(index, new DecontaminationOptions(Mode: DecontaminationMode.Flag));
        Assert.Equal("decontaminate", remove.Name);

        var removed = remove.Apply(Doc("d1", "Quiz: " + Question));
        Assert.False(removed.Kept);
        Assert.Equal("eval_overlap", removed.Reason);
        Assert.True(remove.Apply(Doc("d2", "Nothing to see here.")).Kept);
        remove.Apply(Doc("d3", "this is a short item, and " + Question));

        var flagged = flag.Apply(Doc("d4", "a short item"));
        Assert.True(flagged.Kept);
        Assert.Equal("""["q2"]""", flagged.Document!.Meta[DecontaminateStage.MetaKey]!.ToJsonString());

        Assert.Equal(2, report.ContaminatedDocuments);
        Assert.Equal([new("q1", 2, ["d1", "d3"]), new EvalLeak("q2", 1, ["d3"])], report.Leaks(), new LeakComparer());
    }

    [Fact]
    public void StageRejectsOptionsThatDisagreeWithTheIndex()
    {
        var index = new EvalNGramIndex([new EvalItem("q1", Question)]);
        Assert.Throws<ArgumentException>(() => new DecontaminateStage(index, new DecontaminationOptions(N: 8)));
    }

    private sealed class LeakComparer : IEqualityComparer<EvalLeak>
    {
        public bool Equals(EvalLeak? x, EvalLeak? y) =>
            x!.EvalId == y!.EvalId && x.Documents == y.Documents && x.ExampleDocuments.SequenceEqual(y.ExampleDocuments);

        public int GetHashCode(EvalLeak obj) => obj.EvalId.GetHashCode();
    }
}
