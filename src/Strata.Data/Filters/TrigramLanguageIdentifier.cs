using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
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

    private readonly double _temperature;

    private sealed record Script(Regex Expression, string? Language, Dictionary<string, Dictionary<ulong, int>> Profiles)
    {
        /// <summary>The script's languages, in profile order.</summary>
        public string[] Languages { get; } = [.. Profiles.Keys];

        /// <summary>
        /// Trigram → its rank in every language's profile (−1 where absent), padded to whole vectors: one lookup per
        /// document trigram instead of one per trigram and language, and the languages' distances add up in SIMD.
        /// </summary>
        public Dictionary<ulong, int[]> Ranks { get; } = CombineRanks(Profiles);

        private static Dictionary<ulong, int[]> CombineRanks(Dictionary<string, Dictionary<ulong, int>> profiles)
        {
            var combined = new Dictionary<ulong, int[]>();
            int width = Padded(profiles.Count);
            int index = 0;
            foreach (var profile in profiles.Values)
            {
                foreach (var (trigram, rank) in profile)
                {
                    if (!combined.TryGetValue(trigram, out var ranks)) combined[trigram] = ranks = Enumerable.Repeat(-1, width).ToArray();
                    ranks[index] = rank;
                }
                index++;
            }
            return combined;
        }
    }

    private static int Padded(int languages) => (languages + Vector<int>.Count - 1) / Vector<int>.Count * Vector<int>.Count;

    /// <summary>Uses the embedded profiles, loaded once per process.</summary>
    /// <param name="temperature">τ above: mean per-trigram distance difference that divides the odds by e.</param>
    public TrigramLanguageIdentifier(double temperature)
    {
        _temperature = temperature;
    }

    private static readonly Lazy<(List<Script> Scripts, ScriptTable Table)> Loaded = new(Load);

    private static (List<Script>, ScriptTable) Load()
    {
        var scripts = new List<Script>();
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Strata.Data.Filters.Languages.profiles.json")
            ?? throw new InvalidOperationException("language profiles resource missing");
        var root = JsonNode.Parse(stream)!["scripts"]!.AsObject();
        foreach (var (_, node) in root)
        {
            var expression = new Regex(node!["expression"]!.GetValue<string>(), RegexOptions.CultureInvariant);
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
            scripts.Add(new Script(expression, node["language"]?.GetValue<string>(), profiles));
        }
        return (scripts, new ScriptTable([.. scripts.Select(s => s.Expression)]));
    }

    /// <summary>Every candidate language with its confidence, best first (one entry for a single-language script).</summary>
    public IReadOnlyList<(string Language, double Score)> Identify(string text)
    {
        if (text.Length < MinLength)
            return [(Undetermined, 1)];
        var sample = text.AsSpan(0, Math.Min(text.Length, MaxLength));

        var (scripts, table) = Loaded.Value;
        Span<int> counts = stackalloc int[scripts.Count];
        table.Count(sample, counts);
        Script? top = null;
        var topCount = -1;
        for (int s = 0; s < scripts.Count; s++)
        {
            if (counts[s] > topCount)
            {
                top = scripts[s];
                topCount = counts[s];
            }
        }
        if (top is null || topCount == 0)
            return [(Undetermined, 1)];
        if (top.Profiles.Count == 0)
            return [(top.Language ?? Undetermined, 1)];

        var trigrams = CountTrigrams(sample);
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
    private static long[] Distances(Dictionary<ulong, int> trigrams, Script script)
    {
        // A text's distance is at most 300 × 2,050 trigrams, so int lanes cannot overflow.
        Span<int> sums = stackalloc int[Padded(script.Languages.Length)];
        sums.Clear();
        var lanes = MemoryMarshal.Cast<int, Vector<int>>(sums);
        var maximum = new Vector<int>(MaxDifference);
        long unknown = 0;
        foreach (var (trigram, count) in trigrams)
        {
            if (!script.Ranks.TryGetValue(trigram, out var ranks))
            {
                unknown += MaxDifference;
                continue;
            }
            var target = new Vector<int>(count - 1);
            var rankLanes = MemoryMarshal.Cast<int, Vector<int>>(ranks);
            for (int k = 0; k < lanes.Length; k++)
            {
                var rank = rankLanes[k];
                lanes[k] += Vector.ConditionalSelect(Vector.LessThan(rank, Vector<int>.Zero), maximum, Vector.Abs(target - rank));
            }
        }
        var distances = new long[script.Languages.Length];
        for (int i = 0; i < distances.Length; i++) distances[i] = sums[i] + unknown;
        return distances;
    }

    [ThreadStatic] private static Dictionary<ulong, int>? trigramCounts;

    /// <summary>
    /// franc's cleaning (ASCII punctuation and digits to spaces, whitespace collapsed and trimmed, lower case, one space
    /// padded each side) and its trigram counts, in one pass over a stack buffer. The result is this thread's
    /// dictionary, valid until its next call.
    /// </summary>
    private static Dictionary<ulong, int> CountTrigrams(ReadOnlySpan<char> text)
    {
        Span<char> cleaned = stackalloc char[MaxLength + 2];
        int length = 0;
        cleaned[length++] = ' ';
        bool pendingSpace = false;
        foreach (char c in text)
        {
            // A run of ASCII symbols, digits and whitespace becomes one space; none at either end (the trim).
            if (c is >= '\u0021' and <= '\u0040' || char.IsWhiteSpace(c))
            {
                pendingSpace = length > 1;
                continue;
            }
            if (pendingSpace)
            {
                cleaned[length++] = ' ';
                pendingSpace = false;
            }
            cleaned[length++] = c;
        }
        cleaned[length++] = ' ';
        // Lower case over the whole span, as string.ToLowerInvariant does, so surrogate pairs case correctly.
        Span<char> lower = stackalloc char[length];
        ((ReadOnlySpan<char>)cleaned[..length]).ToLowerInvariant(lower);
        cleaned = lower;

        var counts = trigramCounts ??= [];
        counts.Clear();
        for (var i = 0; i + 3 <= cleaned.Length; i++)
        {
            var gram = (ulong)cleaned[i] << 32 | (ulong)cleaned[i + 1] << 16 | cleaned[i + 2];
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return counts;
    }
}
