using System.Text;

namespace Strata.Data.Filters;

/// <summary>
/// The few Python string semantics the datatrove rules depend on, so thresholds mean the same thing here: lengths in
/// code points (not UTF-16 units), <c>str.splitlines()</c>'s set of line breaks, <c>str.isalpha()</c>.
/// </summary>
internal static class PyText
{
    /// <summary>Python's <c>len(s)</c>: code points, a surrogate pair counting once.</summary>
    public static int Length(string s) => Length(s.AsSpan());

    /// <summary>Python's <c>len(s)</c> of a span: code points, a surrogate pair counting once.</summary>
    public static int Length(ReadOnlySpan<char> s)
    {
        var n = s.Length;
        foreach (var c in s)
        {
            if (char.IsLowSurrogate(c))
                n--;
        }
        return n;
    }

    /// <summary>
    /// Python's <c>str.splitlines()</c> one line at a time: the line starting at <paramref name="at"/>, which moves past
    /// its break (\n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029); no trailing empty line.
    /// </summary>
    public static bool NextLine(ReadOnlySpan<char> s, ref int at, out ReadOnlySpan<char> line)
    {
        if (at >= s.Length)
        {
            line = default;
            return false;
        }
        for (var i = at; i < s.Length; i++)
        {
            var c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                line = s[at..i];
                at = c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? i + 2 : i + 1;
                return true;
            }
        }
        line = s[at..];
        at = s.Length;
        return true;
    }

    /// <summary>Python's <c>str.isalpha()</c> applied to any one code point of the word.</summary>
    public static bool HasLetter(string word)
    {
        foreach (var rune in word.EnumerateRunes())
        {
            if (Rune.IsLetter(rune))
                return true;
        }
        return false;
    }

    /// <summary>Python's <c>s.count(sub)</c>: non-overlapping occurrences.</summary>
    public static int Count(string s, string sub)
    {
        var n = 0;
        for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal))
            n++;
        return n;
    }
}
