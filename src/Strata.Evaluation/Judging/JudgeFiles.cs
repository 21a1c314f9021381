using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Evaluation.Ratings;

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
                    ["winner"] = j.Outcome switch { BattleOutcome.A => "model_a", BattleOutcome.B => "model_b", _ => "tie" },
                    ["judgement_1"] = j.Judgement1,
                    ["judgement_2"] = j.Judgement2,
                }.ToJsonString());
            }
        }
        foreach (var (model, answers) in report.Answers)
        {
            using var file = new StreamWriter(Path.Combine(folder, "answers", Safe(model) + ".jsonl"), false, new UTF8Encoding(false));
            foreach (var a in answers)
            {
                file.WriteLine(new JsonObject { ["question_id"] = a.QuestionId, ["model"] = model, ["turns"] = new JsonArray(a.Turns.Select(t => (JsonNode?)t).ToArray()) }.ToJsonString());
            }
        }
    }

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

    private static string Safe(string name) => string.Concat(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_'));
}
