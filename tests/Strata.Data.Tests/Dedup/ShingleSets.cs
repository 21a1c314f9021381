using System.Text.RegularExpressions;

namespace Strata.Data.Tests.Dedup;

/// <summary>Brute-force word n-gram sets and Jaccard similarity, written independently of the code under test.</summary>
internal static partial class ShingleSets
{
    public static string[] Words(string text) =>
        NotWordOrSpace().Replace(text.ToLowerInvariant(), "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    public static HashSet<string> Of(IReadOnlyList<string> words, int n)
    {
        var set = new HashSet<string>();
        if (words.Count < n)
        {
            set.Add(string.Join(' ', words));
            return set;
        }
        for (int i = 0; i + n <= words.Count; i++)
        {
            set.Add(string.Join(' ', words.Skip(i).Take(n)));
        }
        return set;
    }

    public static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        int common = a.Count(b.Contains);
        return common / (double)(a.Count + b.Count - common);
    }

    [GeneratedRegex(@"[^\p{L}\p{N}\s]")]
    private static partial Regex NotWordOrSpace();
}
