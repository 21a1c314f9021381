using System.Text.Json.Nodes;

namespace Strata.Evaluation.Judging;

/// <summary>
/// A pairwise judge prompt in MT-Bench's form: a system prompt, and a user template with <c>{question}</c>,
/// <c>{answer_a}</c>, <c>{answer_b}</c> (single turn) or <c>{question_1}</c>, <c>{answer_a_1}</c>, … (two turns).
/// </summary>
public sealed record JudgePrompt(string Name, string SystemPrompt, string Template)
{
    /// <summary>Fills the template: FastChat's <c>str.format</c> with named fields.</summary>
    public string Fill(IReadOnlyDictionary<string, string> fields)
    {
        string text = Template;
        foreach (var (name, value) in fields) text = text.Replace("{" + name + "}", value, StringComparison.Ordinal);
        return text;
    }
}

/// <summary>The judge prompts: MT-Bench's <c>pair-v2</c> (first turn) and <c>pair-v2-multi-turn</c> (second turn).</summary>
public sealed record JudgePrompts(JudgePrompt SingleTurn, JudgePrompt MultiTurn)
{
    /// <summary>FastChat's published prompts, bundled (Apache-2.0; see Judging/Assets/NOTICE.md).</summary>
    public static JudgePrompts Bundled()
    {
        using var stream = typeof(JudgePrompts).Assembly.GetManifestResourceStream("Strata.Evaluation.JudgePrompts.jsonl")
            ?? throw new InvalidOperationException("the bundled judge prompts are missing from Strata.Evaluation.dll");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd().Split('\n'), "bundled judge prompts");
    }

    /// <summary>Reads FastChat's <c>judge_prompts.jsonl</c> (or a file of the same shape) and takes <c>pair-v2</c> and
    /// <c>pair-v2-multi-turn</c>.</summary>
    /// <exception cref="InvalidDataException">A line is not JSON, or either prompt is missing.</exception>
    public static JudgePrompts Load(string path) => Parse(File.ReadAllLines(path), path);

    private static JudgePrompts Parse(IEnumerable<string> lines, string source)
    {
        var prompts = JsonLines.Read(lines, source, (row, _) =>
        {
            string name = row["name"]?.GetValue<string>() ?? throw new InvalidDataException("no name");
            return new JudgePrompt(name, row["system_prompt"]?.GetValue<string>() ?? "", row["prompt_template"]?.GetValue<string>() ?? throw new InvalidDataException("no prompt_template"));
        }).ToDictionary(p => p.Name, StringComparer.Ordinal);
        return new JudgePrompts(
            prompts.GetValueOrDefault("pair-v2") ?? throw new InvalidDataException($"{source}: no 'pair-v2' prompt"),
            prompts.GetValueOrDefault("pair-v2-multi-turn") ?? throw new InvalidDataException($"{source}: no 'pair-v2-multi-turn' prompt"));
    }
}
