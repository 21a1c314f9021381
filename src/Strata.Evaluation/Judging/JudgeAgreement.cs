using Strata.Evaluation.Models;
using Strata.Evaluation.Ratings;

namespace Strata.Evaluation.Judging;

/// <summary>How often a judge agrees with people on the battles both judged, as MT-Bench's paper reports it.</summary>
/// <param name="WithTies">Share of votes where the judge's outcome equals the person's (tie and both-bad are one outcome).</param>
/// <param name="WithoutTies">The same over votes where neither said tie.</param>
/// <param name="Judged">The judge's verdict on every vote, in order.</param>
public sealed record AgreementReport(string Judge, double WithTies, int Votes, double WithoutTies, int DecisiveVotes,
    IReadOnlyList<(HumanVote Vote, JudgedPair Judgement)> Judged);

/// <summary>Judges people's arena battles and measures agreement with their votes.</summary>
public static class JudgeAgreement
{
    /// <summary>
    /// Judges each vote's conversations: one turn with <c>pair-v2</c>; two or more with <c>pair-v2-multi-turn</c> over
    /// the last two turns (the template holds two), both orders, ties on disagreement.
    /// </summary>
    public static async Task<AgreementReport> RunAsync(IEvaluatedModel judgeModel, IReadOnlyList<HumanVote> votes, JudgePrompts prompts,
        IProgress<JudgeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var judge = new PairwiseJudge(judgeModel, prompts);
        var judged = new List<(HumanVote, JudgedPair)>();
        foreach (var vote in votes)
        {
            int keep = Math.Min(2, vote.Messages.Count);
            var question = new JudgeQuestion(vote.Id, "arena", vote.Messages.TakeLast(keep).ToList());
            var a = new QuestionAnswers(vote.Id, vote.AnswersA.TakeLast(keep).ToList());
            var b = new QuestionAnswers(vote.Id, vote.AnswersB.TakeLast(keep).ToList());
            judged.Add((vote, await judge.JudgeAsync(question, keep, vote.ModelA, a, vote.ModelB, b, cancellationToken).ConfigureAwait(false)));
            progress?.Report(new JudgeProgress($"{judgeModel.Name} judging people's battles", judged.Count, votes.Count));
        }
        return Measure(judgeModel.Name, judged);
    }

    /// <summary>Agreement of judgements already made with the people's votes.</summary>
    public static AgreementReport Measure(string judge, IReadOnlyList<(HumanVote Vote, JudgedPair Judgement)> judged)
    {
        static BattleOutcome Merge(BattleOutcome o) => o == BattleOutcome.BothBad ? BattleOutcome.Tie : o;
        int agree = judged.Count(p => Merge(p.Vote.Outcome) == Merge(p.Judgement.Outcome));
        var decisive = judged.Where(p => Merge(p.Vote.Outcome) != BattleOutcome.Tie && p.Judgement.Outcome != BattleOutcome.Tie).ToList();
        int decisiveAgree = decisive.Count(p => p.Vote.Outcome == p.Judgement.Outcome);
        return new AgreementReport(judge,
            judged.Count == 0 ? double.NaN : agree / (double)judged.Count, judged.Count,
            decisive.Count == 0 ? double.NaN : decisiveAgree / (double)decisive.Count, decisive.Count, judged);
    }
}
