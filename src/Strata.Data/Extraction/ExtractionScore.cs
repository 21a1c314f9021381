using System.Text.RegularExpressions;

namespace Strata.Data.Extraction;

/// <summary>
/// The Scrapinghub article-extraction benchmark's metric: per page, the multisets of 4-token shingles of the true and
/// predicted body give tp/fp/fn, normalised by their sum so every page weighs the same; precision and recall are means
/// over pages, F1 is taken of those two means.
/// </summary>
public sealed partial class ExtractionScore
{
    private const int ShingleSize = 4;

    private readonly List<(double Tp, double Fp, double Fn)> pages = [];

    /// <summary>Number of pages added.</summary>
    public int Count => pages.Count;

    /// <summary>Mean precision over pages that predicted or matched anything (tp + fp &gt; 0).</summary>
    public double Precision => Mean(pages.Where(p => p.Tp + p.Fp > 0).Select(p => PrecisionOf(p.Tp, p.Fp, p.Fn)));

    /// <summary>Mean recall over pages whose truth has anything to find (tp + fn &gt; 0).</summary>
    public double Recall => Mean(pages.Where(p => p.Tp + p.Fn > 0).Select(p => RecallOf(p.Tp, p.Fp, p.Fn)));

    /// <summary>Harmonic mean of <see cref="Precision"/> and <see cref="Recall"/> (0 when both are 0).</summary>
    public double F1
    {
        get
        {
            double p = Precision, r = Recall;
            return p + r > 0 ? 2 * p * r / (p + r) : 0;
        }
    }

    /// <summary>Scores one page and adds it to the running means; returns its normalised (tp, fp, fn).</summary>
    public (double Tp, double Fp, double Fn) Add(string truth, string predicted)
    {
        var page = Match(truth, predicted);
        pages.Add(page);
        return page;
    }

    /// <summary>Normalised (tp, fp, fn) of one page's shingles; all zero when both texts have no tokens.</summary>
    public static (double Tp, double Fp, double Fn) Match(string truth, string predicted)
    {
        var trueShingles = Shingles(truth);
        var predictedShingles = Shingles(predicted);
        double tp = 0, fp = 0, fn = 0;
        foreach (var key in trueShingles.Keys.Union(predictedShingles.Keys))
        {
            int t = trueShingles.GetValueOrDefault(key), p = predictedShingles.GetValueOrDefault(key);
            tp += Math.Min(t, p);
            fp += Math.Max(0, p - t);
            fn += Math.Max(0, t - p);
        }
        double sum = tp + fp + fn;
        return sum > 0 ? (tp / sum, fp / sum, fn / sum) : (0, 0, 0);
    }

    /// <summary>The <c>\w+</c> tokens of a text (Unicode word characters, as Python's <c>re</c> defines them).</summary>
    public static IReadOnlyList<string> Tokenize(string text) => WordPattern().Matches(text).Select(m => m.Value).ToList();

    /// <summary>
    /// Shingles as the reference counts them: every run of 4 consecutive tokens, or the whole token list as a single
    /// shingle when there are fewer than 4 (so short texts still score), none for no tokens.
    /// </summary>
    public static Dictionary<string, int> Shingles(string text)
    {
        var tokens = Tokenize(text);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (tokens.Count == 0)
        {
            return counts;
        }
        int width = Math.Min(ShingleSize, tokens.Count);
        for (int i = 0; i + width <= tokens.Count; i++)
        {
            // Tokens never contain a space, so joining with one is an unambiguous key.
            string key = string.Join(' ', tokens.Skip(i).Take(width));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    private static double PrecisionOf(double tp, double fp, double fn) =>
        fp == 0 && fn == 0 ? 1 : tp == 0 && fp == 0 ? 0 : tp / (tp + fp);

    private static double RecallOf(double tp, double fp, double fn) =>
        fp == 0 && fn == 0 ? 1 : tp == 0 && fn == 0 ? 0 : tp / (tp + fn);

    private static double Mean(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count > 0 ? list.Average() : 0;
    }

    // Python's \w with re.UNICODE is str.isalnum() or "_": letters and every numeric category, but not combining marks.
    [GeneratedRegex(@"[\p{L}\p{N}_]+")]
    private static partial Regex WordPattern();
}
