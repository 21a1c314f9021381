using System.Text.RegularExpressions;
using Strata.Evaluation.Tasks;

namespace Strata.Evaluation.Metrics;

/// <summary>
/// lm-evaluation-harness's <c>exact_match</c> (HF evaluate's): after deleting <c>regexes_to_ignore</c>, optionally
/// lowercasing and deleting ASCII punctuation, prediction and reference must be equal strings.
/// </summary>
public static class ExactMatch
{
    private const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>1 when <paramref name="prediction"/> matches any of <paramref name="references"/>, else 0.</summary>
    public static double Score(string prediction, IReadOnlyList<string> references, MetricSpec spec) =>
        references.Any(reference => Normalise(prediction, spec) == Normalise(reference, spec)) ? 1 : 0;

    private static string Normalise(string text, MetricSpec spec)
    {
        foreach (string pattern in spec.RegexesToIgnore ?? []) text = Regex.Replace(text, pattern, "");
        if (spec.IgnoreCase) text = text.ToLowerInvariant();
        if (spec.IgnorePunctuation) text = string.Concat(text.Where(c => !Punctuation.Contains(c)));
        return text;
    }
}
