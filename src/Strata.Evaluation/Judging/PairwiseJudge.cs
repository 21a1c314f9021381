using System.Text.Json.Nodes;
using Strata.Evaluation.Models;
using Strata.Evaluation.Ratings;

namespace Strata.Evaluation.Judging;

/// <summary>One model's answers to one question, a string per turn.</summary>
public sealed record QuestionAnswers(string QuestionId, IReadOnlyList<string> Turns);

/// <summary>
/// A pair judged on one turn of one question, twice: as given (A, B) and with sides swapped. The outcome is the
/// verdict both games agree on, else a tie (MT-Bench's rule, which cancels the judge's position bias).
/// </summary>
public sealed record JudgedPair(string QuestionId, int Turn, string ModelA, string ModelB,
    JudgeVerdict Game1, JudgeVerdict Game2Swapped, string Judgement1, string Judgement2, BattleOutcome Outcome)
{
    /// <summary>Both games named the same winner (or both said tie).</summary>
    public bool Consistent => (Game1, Game2Swapped) is (JudgeVerdict.A, JudgeVerdict.B) or (JudgeVerdict.B, JudgeVerdict.A) or (JudgeVerdict.Tie, JudgeVerdict.Tie);
}

/// <summary>Asks a judge model MT-Bench's pairwise question about two answers.</summary>
public sealed class PairwiseJudge(IEvaluatedModel judge, JudgePrompts prompts, int maxTokens = 2048)
{
    public string Name => judge.Name;

    /// <summary>Judges turn <paramref name="turn"/> (1-based) of <paramref name="question"/>, both orders.</summary>
    public async Task<JudgedPair> JudgeAsync(JudgeQuestion question, int turn, string modelA, QuestionAnswers a, string modelB, QuestionAnswers b, CancellationToken cancellationToken)
    {
        string first = await AskAsync(question, turn, a, b, cancellationToken).ConfigureAwait(false);
        string second = await AskAsync(question, turn, b, a, cancellationToken).ConfigureAwait(false);
        var g1 = JudgeVerdicts.Parse(first);
        var g2 = JudgeVerdicts.Parse(second);
        return new JudgedPair(question.Id, turn, modelA, modelB, g1, g2, first, second, Combine(g1, g2));
    }

    /// <summary>Game 1 saw (A, B); game 2 saw (B, A), so its "A" means model B.</summary>
    public static BattleOutcome Combine(JudgeVerdict game1, JudgeVerdict game2Swapped) => (game1, game2Swapped) switch
    {
        (JudgeVerdict.A, JudgeVerdict.B) => BattleOutcome.A,
        (JudgeVerdict.B, JudgeVerdict.A) => BattleOutcome.B,
        _ => BattleOutcome.Tie,
    };

    private Task<string> AskAsync(JudgeQuestion question, int turn, QuestionAnswers first, QuestionAnswers second, CancellationToken cancellationToken)
    {
        string user = turn == 1
            ? prompts.SingleTurn.Fill(new Dictionary<string, string>
            {
                ["question"] = question.Turns[0],
                ["answer_a"] = first.Turns[0],
                ["answer_b"] = second.Turns[0],
            })
            : prompts.MultiTurn.Fill(new Dictionary<string, string>
            {
                ["question_1"] = question.Turns[0],
                ["question_2"] = question.Turns[1],
                ["answer_a_1"] = first.Turns[0],
                ["answer_a_2"] = first.Turns[1],
                ["answer_b_1"] = second.Turns[0],
                ["answer_b_2"] = second.Turns[1],
            });
        string system = turn == 1 ? prompts.SingleTurn.SystemPrompt : prompts.MultiTurn.SystemPrompt;
        var messages = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = system },
            new JsonObject { ["role"] = "user", ["content"] = user });
        return judge.GenerateAsync(new EvalPrompt("", messages), [], maxTokens, cancellationToken);
    }
}
