using System.Text.Json.Nodes;

namespace Strata.Evaluation.Judging;

/// <summary>A question for judge mode: MT-Bench's <c>{question_id, category, turns}</c>.</summary>
public sealed record JudgeQuestion(string Id, string Category, IReadOnlyList<string> Turns)
{
    /// <summary>
    /// Reads MT-Bench/Vicuna-Bench question files (<c>{"question_id", "category", "turns": [...]}</c>); a line with a
    /// single <c>prompt</c> instead of <c>turns</c> is a one-turn question.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is malformed (file and line named).</exception>
    public static IReadOnlyList<JudgeQuestion> Load(string path) => JsonLines.Read(File.ReadLines(path), path, (row, line) =>
    {
        var turns = row["turns"] is JsonArray t ? t.Select(x => x!.GetValue<string>()).ToList()
            : row["prompt"] is JsonValue p ? [p.GetValue<string>()]
            : throw new InvalidDataException("no 'turns' (or 'prompt')");
        if (turns.Count is 0 or > 2) throw new InvalidDataException($"{turns.Count} turns; judge mode reads one or two");
        string id = row["question_id"]?.ToJsonString().Trim('"') ?? line.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new JudgeQuestion(id, row["category"]?.GetValue<string>() ?? "", turns);
    });
}
