using System.Text.RegularExpressions;

namespace Strata.Data.Filters;

/// <summary>
/// Counts, for each of franc's script expressions, the characters of a text it matches, as
/// <c>Regex.Count(text)</c> on each would, in one pass: every BMP character's set of matching scripts is looked up
/// once when the table is built. The expressions are single characters or surrogate pairs, and several may match
/// one character (Han is in both the Chinese and Japanese expressions), so a character maps to a group of scripts.
/// </summary>
internal sealed class ScriptTable
{
    private readonly Regex[] _expressions;
    private readonly byte[] _group = new byte[char.MaxValue + 1];   // 0 = no script
    private readonly int[][] _groups;                                 // group → the scripts it counts for

    public ScriptTable(Regex[] expressions)
    {
        _expressions = expressions;
        var groups = new List<int[]> { Array.Empty<int>() };
        var index = new Dictionary<string, byte>();
        Span<char> one = stackalloc char[1];
        var matching = new List<int>();
        for (int c = 0; c <= char.MaxValue; c++)
        {
            if (char.IsSurrogate((char)c))
                continue;
            one[0] = (char)c;
            matching.Clear();
            for (int s = 0; s < expressions.Length; s++)
            {
                if (expressions[s].IsMatch(one)) matching.Add(s);
            }
            if (matching.Count == 0)
                continue;
            string key = string.Join(',', matching);
            if (!index.TryGetValue(key, out byte group))
            {
                group = checked((byte)groups.Count);
                index[key] = group;
                groups.Add([.. matching]);
            }
            _group[c] = group;
        }
        _groups = [.. groups];
    }

    /// <summary>Adds each script's match count in <paramref name="text"/> to <paramref name="counts"/>.</summary>
    public void Count(ReadOnlySpan<char> text, Span<int> counts)
    {
        Span<int> perGroup = stackalloc int[_groups.Length];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                // Characters outside the BMP are rare in the texts this sees; the expressions decide them directly.
                var pair = text.Slice(i, 2);
                for (int s = 0; s < _expressions.Length; s++)
                {
                    if (_expressions[s].IsMatch(pair)) counts[s]++;
                }
                i++;
                continue;
            }
            perGroup[_group[c]]++;
        }
        for (int g = 1; g < _groups.Length; g++)
        {
            foreach (int s in _groups[g]) counts[s] += perGroup[g];
        }
    }
}
