using Strata.Evaluation.Judging;
using Strata.Evaluation.Models;
using Strata.Evaluation.Ratings;
using Strata.Evaluation.Running;
using Strata.Evaluation.Tests.Running;
using Strata.Models.Inference;

namespace Strata.Evaluation.Tests.Judging;

public class JudgeTests
{
    private static readonly JudgeQuestion[] Questions =
    [
        new("1", "writing", ["Name a colour.", "Now a fruit."]),
        new("2", "math", ["What is 2+2?"]),
    ];

    /// <summary>Contestants answer with their own quality level; a fair judge prefers the higher level in either order.</summary>
    private static ScriptedModel Contestant(string name, int level) => new(name, p => $"answer level {level}");

    private static int LevelOf(string text, string side)
    {
        // The pair-v2 template brackets each answer: "[The Start of Assistant A's Answer]\n…"; multi-turn uses "### Assistant A:".
        string marker = text.Contains("[The Start of Assistant") ? $"[The Start of Assistant {side}'s Answer]\n" : $"### Assistant {side}:\n";
        int at = text.LastIndexOf(marker, StringComparison.Ordinal) + marker.Length;
        return text[at..].StartsWith("answer level ", StringComparison.Ordinal) ? text[(at + "answer level ".Length)] - '0' : -1;
    }

    private static string User(EvalPrompt prompt) => prompt.Messages![1]!["content"]!.GetValue<string>();

    [Fact]
    public async Task AFairJudgeRanksTheContestantsAndBothOrdersAgree()
    {
        var judge = new ScriptedModel("judge", p =>
        {
            string text = User(p);
            int a = LevelOf(text, "A"), b = LevelOf(text, "B");
            return a > b ? "A is better. [[A]]" : a < b ? "B is better. [[B]]" : "[[C]]";
        });
        var contestants = new Dictionary<string, ScriptedModel> { ["weak"] = Contestant("weak", 1), ["mid"] = Contestant("mid", 2), ["strong"] = Contestant("strong", 3) };
        var options = new JudgeOptions(contestants.Keys.Select(k => (ModelSpec)new ModelSpec.Local(k, k)).ToList(), new ModelSpec.Local("judge", "judge"),
            Questions, JudgePrompts.Bundled(), new InferenceOptions(), BootstrapRounds: 100);
        var report = await JudgeRun.RunAsync(options, spec => spec.Name == "judge" ? judge : contestants[spec.Name], null, CancellationToken.None);

        Assert.Equal(3 * 3, report.Judgements.Count);   // 3 pairs × 3 turns (question 1 has two)
        Assert.Equal(1.0, report.Consistency);
        Assert.Equal(0, report.Unparsed);
        Assert.Equal(["strong", "mid", "weak"], report.Leaderboard.Entries.Select(e => e.Model));
        Assert.Equal(2 * 9, judge.Calls.Count);   // every pair judged twice
        // Turn 2 is judged with the multi-turn prompt over both turns, each side's own earlier answer included.
        var multiTurn = judge.Calls.Select(c => User(c.Prompt)).First(t => t.Contains("### User:\nNow a fruit."));
        Assert.Contains("### User:\nName a colour.", multiTurn);
        Assert.Contains("focus on who provides a better answer to the second user question", judge.Calls.First(c => User(c.Prompt) == multiTurn).Prompt.Messages![0]!["content"]!.GetValue<string>());
        // Contestants saw their own first answer before the second question.
        var secondTurn = contestants["mid"].Calls.Single(c => c.Prompt.Messages!.Count == 3).Prompt.Messages!;
        Assert.Equal("answer level 2", secondTurn[1]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task APositionBiasedJudgeYieldsTiesNotWins()
    {
        var judge = new ScriptedModel("judge", _ => "The first one. [[A]]");
        var a = Contestant("a", 1);
        var b = Contestant("b", 2);
        var options = new JudgeOptions([new ModelSpec.Local("a", "a"), new ModelSpec.Local("b", "b")], new ModelSpec.Local("judge", "judge"),
            Questions, JudgePrompts.Bundled(), new InferenceOptions(), BootstrapRounds: 100);
        var report = await JudgeRun.RunAsync(options, spec => spec.Name switch { "a" => a, "b" => b, _ => judge }, null, CancellationToken.None);
        Assert.All(report.Judgements, j => Assert.Equal(BattleOutcome.Tie, j.Outcome));
        Assert.Equal(0, report.Consistency);
        Assert.Equal(report.Leaderboard.Entries[0].Rating, report.Leaderboard.Entries[1].Rating, 6);
    }

    [Theory]
    [InlineData("reasoning… [[A]]", JudgeVerdict.A)]
    [InlineData("[[B]]", JudgeVerdict.B)]
    [InlineData("a tie: [[C]]", JudgeVerdict.Tie)]
    [InlineData("I cannot decide", JudgeVerdict.Unparsed)]
    [InlineData("[[A]] no wait [[B]]", JudgeVerdict.A)]   // FastChat checks [[A]] first
    public void VerdictsAreReadAsFastChatReadsThem(string judgement, JudgeVerdict expected) => Assert.Equal(expected, JudgeVerdicts.Parse(judgement));

    [Theory]
    [InlineData(JudgeVerdict.A, JudgeVerdict.B, BattleOutcome.A)]
    [InlineData(JudgeVerdict.B, JudgeVerdict.A, BattleOutcome.B)]
    [InlineData(JudgeVerdict.A, JudgeVerdict.A, BattleOutcome.Tie)]
    [InlineData(JudgeVerdict.Tie, JudgeVerdict.B, BattleOutcome.Tie)]
    [InlineData(JudgeVerdict.Unparsed, JudgeVerdict.B, BattleOutcome.Tie)]
    public void SwappedGamesMustAgree(JudgeVerdict game1, JudgeVerdict game2, BattleOutcome expected) => Assert.Equal(expected, PairwiseJudge.Combine(game1, game2));

    [Fact]
    public void TheBundledPromptsAreMtBenchs()
    {
        var bundled = JudgePrompts.Bundled();
        Assert.Equal(JudgePrompts.Load(Path.Combine(TestPaths.SharedData, "mt-bench", "judge_prompts.jsonl")), bundled);
        Assert.Contains("{answer_a}", bundled.SingleTurn.Template);
        Assert.Contains("{answer_b_2}", bundled.MultiTurn.Template);
    }

    [Fact]
    public void MtBenchQuestionsLoad()
    {
        string file = Path.Combine(TestPaths.SharedData, "mt-bench", "mt_bench-question.jsonl");
        var questions = JudgeQuestion.Load(file);
        Assert.Equal(80, questions.Count);
        Assert.All(questions, q => Assert.Equal(2, q.Turns.Count));
        Assert.Equal("81", questions[0].Id);
    }

    [Fact]
    public void JudgeJsonCarriesTheLeaderboard()
    {
        var battles = new[] { new Battle("x", "y", BattleOutcome.A), new Battle("x", "y", BattleOutcome.Tie) };
        var leaderboard = BradleyTerry.Leaderboard(battles, new LeaderboardOptions { BootstrapRounds = 100 });
        var json = LeaderboardJson.ToJson(leaderboard);
        Assert.Equal(2, json["total_battles"]!.GetValue<int>());
        Assert.Equal("x", json["entries"]![0]!["model"]!.GetValue<string>());
        Assert.Null(json["win_rate"]![0]![0]);   // a model against itself: never met, NaN written as null
        Assert.Equal(1.0, json["win_rate"]![0]![1]!.GetValue<double>());
    }
}
