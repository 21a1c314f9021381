using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Strata.Data.Filters;

/// <summary>
/// Language identification by character trigrams, franc's method on franc's profiles (embedded, MIT): the script with
/// the largest share of the text picks the candidate languages; each candidate's distance is, over the text's distinct
/// trigrams, |count − profile rank − 1|, or 300 for a trigram outside the profile. franc reports only the ranking, so
/// the confidence is ours: a softmax over distances per trigram, <c>exp(−(D − Dmin) / (N·τ))</c> normalised, which
/// is near 1 when one language is clearly closest and falls as close languages tie.
/// </summary>
internal sealed class TrigramLanguageIdentifier
{
    private const int MaxLength = 2048;
    private const int MinLength = 10;
    private const int MaxDifference = 300;

    /// <summary>Answer when the text is too short or has no letters of a known script.</summary>
    public const string Undetermined = "und";

    private readonly List<Script> _scripts = [];
    private readonly double _temperature;

    private sealed record Script(Regex Expression, string? Language, Dictionary<string, Dictionary<ulong, int>> Profiles)
    {
        /// <summary>The script's languages, in profile order.</summary>
        public string[] Languages { get; } = [.. Profiles.Keys];

        /// <summary>
        /// Trigram → its rank in every language's profile (−1 where absent): one lookup per document trigram instead
        /// of one per trigram and language.
        /// </summary>
        public Dictionary<ulong, int[]> Ranks { get; } = CombineRanks(Profiles);

        private static Dictionary<ulong, int[]> CombineRanks(Dictionary<string, Dictionary<ulong, int>> profiles)
        {
            var combined = new Dictionary<ulong, int[]>();
            int index = 0;
            foreach (var profile in profiles.Values)
            {
                foreach (var (trigram, rank) in profile)
                {
                    if (!combined.TryGetValue(trigram, out var ranks)) combined[trigram] = ranks = Enumerable.Repeat(-1, profiles.Count).ToArray();
                    ranks[index] = rank;
                }
                index++;
            }
            return combined;
        }
    }

    /// <summary>Loads the embedded profiles.</summary>
    /// <param name="temperature">τ above: mean per-trigram distance difference that divides the odds by e.</param>
    public TrigramLanguageIdentifier(double temperature)
    {
        _temperature = temperature;
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Strata.Data.Filters.Languages.profiles.json")
            ?? throw new InvalidOperationException("language profiles resource missing");
        var root = JsonNode.Parse(stream)!["scripts"]!.AsObject();
        foreach (var (_, node) in root)
        {
            var expression = new Regex(node!["expression"]!.GetValue<string>(), RegexOptions.Compiled | RegexOptions.CultureInvariant);
            var profiles = new Dictionary<string, Dictionary<ulong, int>>();
            if (node["languages"] is JsonObject languages)
            {
                foreach (var (language, trigrams) in languages)
                {
                    var list = trigrams!.GetValue<string>().Split('|');
                    var ranks = new Dictionary<ulong, int>(list.Length);
                    for (var i = list.Length - 1; i >= 0; i--)
                    {
                        if (list[i].Length == 3) ranks[Pack(list[i], 0)] = i; // the first listing wins, as franc's backwards fill leaves it
                    }
                    profiles[language] = ranks;
                }
            }
            _scripts.Add(new Script(expression, node["language"]?.GetValue<string>(), profiles));
        }
    }

    /// <summary>Every candidate language with its confidence, best first (one entry for a single-language script).</summary>
    public IReadOnlyList<(string Language, double Score)> Identify(string text)
    {
        if (text.Length < MinLength)
            return [(Undetermined, 1)];
        if (text.Length > MaxLength)
            text = text[..MaxLength];

        Script? top = null;
        var topCount = -1;
        foreach (var script in _scripts)
        {
            var count = script.Expression.Count(text);
            if (count > topCount)
            {
                top = script;
                topCount = count;
            }
        }
        if (top is null || topCount == 0)
            return [(Undetermined, 1)];
        if (top.Profiles.Count == 0)
            return [(top.Language ?? Undetermined, 1)];

        var trigrams = CountTrigrams(text);
        var totals = Distances(trigrams, top);
        var distances = top.Languages.Select((language, i) => (Language: language, Distance: totals[i])).ToList();
        var min = distances.Min(d => d.Distance);
        var scale = Math.Max(1, trigrams.Count) * _temperature;
        var weights = distances.Select(d => (d.Language, Weight: Math.Exp(-(d.Distance - min) / scale))).ToList();
        var total = weights.Sum(w => w.Weight);
        // Stable order: ties keep the profile order, as franc's sort does.
        return [.. weights.Select(w => (w.Language, w.Weight / total)).OrderByDescending(w => w.Item2)];
    }

    /// <summary>A trigram as one number (three UTF-16 units): lookups then hash a word, not a string.</summary>
    private static ulong Pack(string text, int start) => (ulong)text[start] << 32 | (ulong)text[start + 1] << 16 | text[start + 2];

    /// <summary>franc's distance to every language of the script: |count − rank − 1| per known trigram, else the maximum.</summary>
    private static long[] Distances(List<KeyValuePair<ulong, int>> trigrams, Script script)
    {
        var distances = new long[script.Languages.Length];
        foreach (var (trigram, count) in trigrams)
        {
            if (!script.Ranks.TryGetValue(trigram, out var ranks))
            {
                for (int i = 0; i < distances.Length; i++) distances[i] += MaxDifference;
                continue;
            }
            for (int i = 0; i < distances.Length; i++) distances[i] += ranks[i] >= 0 ? Math.Abs(count - ranks[i] - 1) : MaxDifference;
        }
        return distances;
    }

    /// <summary>franc's cleaning (ASCII punctuation and digits to spaces, whitespace collapsed, lower case) and trigrams.</summary>
    private static List<KeyValuePair<ulong, int>> CountTrigrams(string text)
    {
        var cleaned = " " + Whitespace.Replace(AsciiSymbols.Replace(text, " "), " ").Trim().ToLowerInvariant() + " ";
        var counts = new Dictionary<ulong, int>();
        for (var i = 0; i + 3 <= cleaned.Length; i++)
        {
            var gram = Pack(cleaned, i);
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return [.. counts];
    }

    private static readonly Regex AsciiSymbols = new(@"[\u0021-\u0040]+", RegexOptions.Compiled);
    private static readonly Regex Whitespace = new(@"\s+", RegexOptions.Compiled);
}
