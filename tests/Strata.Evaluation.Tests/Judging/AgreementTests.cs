using Strata.Evaluation.Judging;
using Strata.Evaluation.Ratings;
using Strata.Evaluation.Tests.Running;

namespace Strata.Evaluation.Tests.Judging;

public class AgreementTests
{
    private static HumanVote Vote(string id, BattleOutcome outcome, string a, string b) => new(id, "x", "y", outcome, ["Which is better?"], [a], [b]);

    [Fact]
    public async Task TheJudgeIsComparedWithPeopleWithAndWithoutTies()
    {
        // The judge prefers the longer answer, in either order; equal lengths are a tie.
        var judge = new ScriptedModel("judge", p =>
        {
            string text = p.Messages![1]!["content"]!.GetValue<string>();
            string Answer(string side)
            {
                string start = $"[The Start of Assistant {side}'s Answer]\n", end = $"\n[The End of Assistant {side}'s Answer]";
                int from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
                return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
            }
            int a = Answer("A").Length, b = Answer("B").Length;
            return a > b ? "[[A]]" : a < b ? "[[B]]" : "[[C]]";
        });
        HumanVote[] votes =
        [
            Vote("1", BattleOutcome.A, "long answer", "short"),    // judge A: agrees
            Vote("2", BattleOutcome.B, "long answer", "short"),    // judge A: disagrees
            Vote("3", BattleOutcome.B, "tiny", "much longer"),     // judge B: agrees
            Vote("4", BattleOutcome.BothBad, "same", "four"),      // judge tie: agrees (both-bad is a tie)
            Vote("5", BattleOutcome.Tie, "long answer", "short"),  // judge A: disagrees, and is not decisive
        ];
        var report = await JudgeAgreement.RunAsync(judge, votes, JudgePrompts.Bundled());
        Assert.Equal(5, report.Votes);
        Assert.Equal(3.0 / 5, report.WithTies, 12);
        Assert.Equal(3, report.DecisiveVotes);   // votes 1–3: neither side said tie
        Assert.Equal(2.0 / 3, report.WithoutTies, 12);
    }

    [Fact]
    public void ChatbotArenaConversationRowsLoad()
    {
        string file = Path.Combine(TestPaths.NewTemporaryDirectory(), "votes.jsonl");
        File.WriteAllLines(file,
        [
            """{"question_id": "58210e39b3fd4441a2bd4a518bb44c2d", "model_a": "chatglm-6b", "model_b": "koala-13b", "winner": "model_b", "judge": "arena_user_973", "conversation_a": [{"content": "What is the difference between OpenCL and CUDA?", "role": "user"}, {"content": "OpenCL and CUDA are …", "role": "assistant"}], "conversation_b": [{"content": "What is the difference between OpenCL and CUDA?", "role": "user"}, {"content": "OpenCL and CUDA are two …", "role": "assistant"}], "turn": 1, "anony": true, "language": "English"}""",
            """{"question_id": "2", "model_a": "a", "model_b": "b", "winner": "tie (bothbad)", "conversation_a": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "x"}], "conversation_b": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "y"}]}""",
        ]);
        var votes = HumanVote.Load(file);
        Assert.Equal(BattleOutcome.B, votes[0].Outcome);
        Assert.Equal("koala-13b", votes[0].ModelB);
        Assert.Equal(BattleOutcome.BothBad, votes[1].Outcome);
    }

    [Fact]
    public void MismatchedConversationsNameTheLine()
    {
        string file = Path.Combine(TestPaths.NewTemporaryDirectory(), "votes.jsonl");
        File.WriteAllText(file, """{"model_a": "a", "model_b": "b", "winner": "model_a", "conversation_a": [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "x"}], "conversation_b": [{"role": "user", "content": "q2"}, {"role": "assistant", "content": "y"}]}""");
        var error = Assert.Throws<InvalidDataException>(() => HumanVote.Load(file));
        Assert.StartsWith($"{file}:1: ", error.Message);
        Assert.Contains("different questions", error.Message);
    }
}
