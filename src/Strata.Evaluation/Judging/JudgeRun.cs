using Strata.Evaluation.Models;
using Strata.Evaluation.Ratings;
using Strata.Evaluation.Running;
using Strata.Models.Inference;

namespace Strata.Evaluation.Judging;

/// <summary>What judge mode runs.</summary>
/// <param name="Models">The contestants (at least two).</param>
/// <param name="Judge">The judge: any model Strata loads, or an OpenAI-compatible endpoint.</param>
/// <param name="MaxAnswerTokens">Longest answer per turn (the model's context also bounds it).</param>
public sealed record JudgeOptions(IReadOnlyList<ModelSpec> Models, ModelSpec Judge, IReadOnlyList<JudgeQuestion> Questions, JudgePrompts Prompts,
    InferenceOptions Inference, int MaxAnswerTokens = 1024, int BootstrapRounds = 1000);

/// <summary>Everything judge mode measured.</summary>
/// <param name="Answers">Each model's answers, by model name.</param>
/// <param name="Judgements">Every pair of models on every turn of every question.</param>
/// <param name="Leaderboard">Bradley–Terry ratings of the judged battles.</param>
public sealed record JudgeReport(string Judge, IReadOnlyDictionary<string, IReadOnlyList<QuestionAnswers>> Answers,
    IReadOnlyList<JudgedPair> Judgements, Leaderboard Leaderboard)
{
    /// <summary>Share of pairs where the two orders agreed (a measure of the judge's position bias).</summary>
    public double Consistency => Judgements.Count == 0 ? double.NaN : Judgements.Count(j => j.Consistent) / (double)Judgements.Count;

    /// <summary>Judgements with no verdict in the judge's output.</summary>
    public int Unparsed => Judgements.Sum(j => (j.Game1 == JudgeVerdict.Unparsed ? 1 : 0) + (j.Game2Swapped == JudgeVerdict.Unparsed ? 1 : 0));

    /// <summary>The judged pairs as battles for the ratings.</summary>
    public IReadOnlyList<Battle> Battles => Judgements.Select(j => new Battle(j.ModelA, j.ModelB, j.Outcome)).ToList();
}

/// <summary>Progress of judge mode.</summary>
public readonly record struct JudgeProgress(string Phase, int Done, int Total);

/// <summary>
/// MT-Bench's pairwise judging: every model answers every question (turn by turn, each turn seeing its own earlier
/// answers), then the judge compares every pair of models on every turn, twice with sides swapped, and the outcomes
/// become Bradley–Terry ratings. One model is in memory at a time.
/// </summary>
public static class JudgeRun
{
    public static Task<JudgeReport> RunAsync(JudgeOptions options, IProgress<JudgeProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(options, spec => spec.Open(options.Inference), progress, cancellationToken);

    /// <param name="open">Loads a model (tests script them).</param>
    internal static async Task<JudgeReport> RunAsync(JudgeOptions options, Func<ModelSpec, IEvaluatedModel> open, IProgress<JudgeProgress>? progress, CancellationToken cancellationToken)
    {
        if (options.Models.Count < 2) throw new ArgumentException("judge mode compares at least two models");
        if (options.Questions.Count == 0) throw new ArgumentException("no questions to judge");
        var names = options.Models.Select(m => m.Name).ToList();
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"two models are named '{duplicate.Key}'; name them PATH=NAME");

        var answers = new Dictionary<string, IReadOnlyList<QuestionAnswers>>(StringComparer.Ordinal);
        foreach (var spec in options.Models)
        {
            using var model = open(spec);
            answers[spec.Name] = await AnswerAllAsync(model, options, progress, cancellationToken).ConfigureAwait(false);
        }

        var judgements = new List<JudgedPair>();
        using (var judgeModel = open(options.Judge))
        {
            var judge = new PairwiseJudge(judgeModel, options.Prompts);
            var pairs = (from i in Enumerable.Range(0, names.Count) from j in Enumerable.Range(i + 1, names.Count - i - 1) select (names[i], names[j])).ToList();
            int total = pairs.Count * options.Questions.Sum(q => q.Turns.Count);
            foreach (var (a, b) in pairs)
            {
                for (int q = 0; q < options.Questions.Count; q++)
                {
                    var question = options.Questions[q];
                    for (int turn = 1; turn <= question.Turns.Count; turn++)
                    {
                        judgements.Add(await judge.JudgeAsync(question, turn, a, answers[a][q], b, answers[b][q], cancellationToken).ConfigureAwait(false));
                        progress?.Report(new JudgeProgress($"{options.Judge.Name} judging", judgements.Count, total));
                    }
                }
            }
        }
        var battles = judgements.Select(j => new Battle(j.ModelA, j.ModelB, j.Outcome)).ToList();
        var leaderboard = BradleyTerry.Leaderboard(battles, new LeaderboardOptions { BootstrapRounds = options.BootstrapRounds });
        return new JudgeReport(options.Judge.Name, answers, judgements, leaderboard);
    }

    private static async Task<IReadOnlyList<QuestionAnswers>> AnswerAllAsync(IEvaluatedModel model, JudgeOptions options, IProgress<JudgeProgress>? progress, CancellationToken cancellationToken)
    {
        var all = new List<QuestionAnswers>();
        foreach (var question in options.Questions)
        {
            var messages = new System.Text.Json.Nodes.JsonArray();
            var turns = new List<string>();
            foreach (string user in question.Turns)
            {
                messages.Add(new System.Text.Json.Nodes.JsonObject { ["role"] = "user", ["content"] = user });
                string answer = (await model.GenerateAsync(new EvalPrompt("", messages.DeepClone().AsArray()), [], options.MaxAnswerTokens, cancellationToken).ConfigureAwait(false)).Trim();
                messages.Add(new System.Text.Json.Nodes.JsonObject { ["role"] = "assistant", ["content"] = answer });
                turns.Add(answer);
            }
            all.Add(new QuestionAnswers(question.Id, turns));
            progress?.Report(new JudgeProgress($"{model.Name} answering", all.Count, options.Questions.Count));
        }
        return all;
    }
}
