using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Evaluation.Ratings;
using Strata.Evaluation.Reports;

namespace Strata.Evaluation.Judging;

/// <summary>
/// Writes judge mode's outputs: <c>judge.json</c> (leaderboard, consistency, unparsed verdicts), <c>judge.md</c>,
/// <c>judgements.jsonl</c> (every pair with both of the judge's outputs) and <c>answers/MODEL.jsonl</c>.
/// </summary>
public static class JudgeFiles
{
    public static void Write(JudgeReport report, string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "answers"));
        File.WriteAllText(Path.Combine(folder, "judge.json"), Summary(report).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.WriteAllText(Path.Combine(folder, "judge.md"), Markdown(report));
        using (var lines = new StreamWriter(Path.Combine(folder, "judgements.jsonl"), false, new UTF8Encoding(false)))
        {
            foreach (var j in report.Judgements)
            {
                lines.WriteLine(new JsonObject
                {
                    ["question_id"] = j.QuestionId,
                    ["turn"] = j.Turn,
                    ["model_a"] = j.ModelA,
                    ["model_b"] = j.ModelB,
                    ["game_1"] = Name(j.Game1),
                    ["game_2_swapped"] = Name(j.Game2Swapped),
                    ["winner"] = HumanVote.WinnerName(j.Outcome),
                    ["judgement_1"] = j.Judgement1,
                    ["judgement_2"] = j.Judgement2,
                }.ToJsonString());
            }
        }
        foreach (var (model, answers) in report.Answers)
        {
            using var file = new StreamWriter(Path.Combine(folder, "answers", ResultsFiles.FileName(model) + ".jsonl"), false, new UTF8Encoding(false));
            foreach (var a in answers)
            {
                file.WriteLine(new JsonObject { ["question_id"] = a.QuestionId, ["model"] = model, ["turns"] = new JsonArray(a.Turns.Select(t => (JsonNode?)t).ToArray()) }.ToJsonString());
            }
        }
    }

    /// <summary>Writes <c>agreement.json</c>, <c>agreement.md</c> and <c>judgements.jsonl</c> for judged human votes.</summary>
    public static void WriteAgreement(AgreementReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        var json = new JsonObject
        {
            ["judge"] = report.Judge,
            ["votes"] = report.Votes,
            ["agreement_with_ties"] = Finite(report.WithTies),
            ["decisive_votes"] = report.DecisiveVotes,
            ["agreement_without_ties"] = Finite(report.WithoutTies),
            ["unparsed_verdicts"] = report.Judged.Sum(p => (p.Judgement.Game1 == JudgeVerdict.Unparsed ? 1 : 0) + (p.Judgement.Game2Swapped == JudgeVerdict.Unparsed ? 1 : 0)),
        };
        File.WriteAllText(Path.Combine(folder, "agreement.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.WriteAllText(Path.Combine(folder, "agreement.md"), AgreementMarkdown(report));
        using var lines = new StreamWriter(Path.Combine(folder, "judgements.jsonl"), false, new UTF8Encoding(false));
        foreach (var (vote, j) in report.Judged)
        {
            lines.WriteLine(new JsonObject
            {
                ["question_id"] = vote.Id,
                ["model_a"] = vote.ModelA,
                ["model_b"] = vote.ModelB,
                ["human"] = HumanVote.WinnerName(vote.Outcome),
                ["judge"] = HumanVote.WinnerName(j.Outcome),
                ["judgement_1"] = j.Judgement1,
                ["judgement_2"] = j.Judgement2,
            }.ToJsonString());
        }
    }

    public static string AgreementMarkdown(AgreementReport report) => string.Create(CultureInfo.InvariantCulture,
        $"Judge {report.Judge} on {report.Votes} people's votes: agrees on {report.WithTies:P1} (tie and both-bad as one outcome); " +
        $"on the {report.DecisiveVotes} votes where neither said tie, {report.WithoutTies:P1}.\n");

    private static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    public static JsonObject Summary(JudgeReport report) => new()
    {
        ["judge"] = report.Judge,
        ["pairs_judged"] = report.Judgements.Count,
        ["consistency"] = double.IsNaN(report.Consistency) ? null : report.Consistency,
        ["unparsed_verdicts"] = report.Unparsed,
        ["leaderboard"] = LeaderboardJson.ToJson(report.Leaderboard),
    };

    public static string Markdown(JudgeReport report)
    {
        var text = new StringBuilder();
        text.AppendLine($"Judge: {report.Judge}. {report.Judgements.Count} pairs judged twice (sides swapped); both orders agreed on " +
            $"{report.Consistency.ToString("P0", CultureInfo.InvariantCulture)}; {report.Unparsed} of {2 * report.Judgements.Count} judgements gave no verdict (counted as ties).");
        text.AppendLine();
        text.AppendLine("| rank | model | rating | 95% CI | battles | wins | ties | losses |");
        text.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var e in report.Leaderboard.Entries)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {e.Rank} | {e.Model} | {e.Rating:F0} | [{e.Lower:F0}, {e.Upper:F0}] | {e.Battles} | {e.Wins} | {e.Ties} | {e.Losses} |"));
        }
        return text.ToString();
    }

    private static string Name(JudgeVerdict verdict) => verdict switch
    {
        JudgeVerdict.A => "A",
        JudgeVerdict.B => "B",
        JudgeVerdict.Tie => "tie",
        _ => "unparsed",
    };

}
