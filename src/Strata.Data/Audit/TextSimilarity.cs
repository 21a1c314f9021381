using System.Text;

namespace Strata.Data.Audit;

/// <summary>Normalisation and word-shingle similarity used by the duplicate, conflict and repetition checks.</summary>
internal static class TextSimilarity
{
    /// <summary>Lower-cased words (runs of letters and digits): punctuation, case and spacing never make two
    /// prompts different.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c)) word.Append(char.ToLowerInvariant(c));
            else if (word.Length > 0) { words.Add(word.ToString()); word.Clear(); }
        }
        if (word.Length > 0) words.Add(word.ToString());
        return words;
    }

    public static string Normalise(string text) => string.Join(' ', Words(text));

    /// <summary>Distinct word n-grams; a text shorter than n is one shingle of all its words.</summary>
    public static HashSet<string> Shingles(IReadOnlyList<string> words, int n)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (words.Count == 0) return set;
        if (words.Count < n) { set.Add(string.Join(' ', words)); return set; }
        for (int i = 0; i + n <= words.Count; i++) set.Add(string.Join(' ', words.Skip(i).Take(n)));
        return set;
    }

    public static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 && b.Count == 0) return 1;
        int shared = a.Count <= b.Count ? a.Count(b.Contains) : b.Count(a.Contains);
        return (double)shared / (a.Count + b.Count - shared);
    }
}
