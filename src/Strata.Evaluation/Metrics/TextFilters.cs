using System.Text.RegularExpressions;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Metrics;

/// <summary>A task's filter pipeline over one generation, as the harness's <c>filter_list</c> steps do it.</summary>
public static class TextFilters
{
    public static string Apply(string text, IReadOnlyList<FilterStep> steps)
    {
        foreach (var step in steps)
        {
            text = step.Function switch
            {
                FilterFunction.Regex => Extract(text, step),
                FilterFunction.TakeFirst => text,
                FilterFunction.Lowercase => text.ToLowerInvariant(),
                FilterFunction.Uppercase => text.ToUpperInvariant(),
                FilterFunction.Strip => text.Trim(),
                _ => throw new ArgumentOutOfRangeException(nameof(steps)),
            };
        }
        return text;
    }

    /// <summary>The harness's <c>RegexFilter</c>: the selected match (its first non-empty group when the pattern has groups).</summary>
    private static string Extract(string text, FilterStep step)
    {
        var matches = Regex.Matches(text, step.Pattern!);
        if (matches.Count == 0) return step.Fallback;
        int index = step.GroupSelect < 0 ? matches.Count + step.GroupSelect : step.GroupSelect;
        if (index < 0 || index >= matches.Count) return step.Fallback;
        var match = matches[index];
        if (match.Groups.Count == 1) return match.Value.Trim();
        var group = match.Groups.Cast<Group>().Skip(1).FirstOrDefault(g => g.Success && g.Value.Length > 0);
        return group?.Value.Trim() ?? step.Fallback;
    }
}
