using System.Text;

namespace Strata.Models.Templates;

/// <summary>
/// Python's str operations where they differ from .NET's: strings index by code point (an emoji is one
/// character, not two UTF-16 units), and split, strip, title and capitalize follow Python's rules.
/// </summary>
internal static class JinjaText
{
    public static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary>The string's characters as Python sees them: one string per code point.</summary>
    public static IEnumerable<string> Characters(string s)
    {
        if (!HasSurrogates(s)) return s.Select(c => c.ToString());
        return s.EnumerateRunes().Select(r => r.ToString());
    }

    public static long Length(string s) => HasSurrogates(s) ? s.EnumerateRunes().Count() : s.Length;

    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is '\x1c' or '\x1d' or '\x1e' or '\x1f';

    /// <summary>Python's <c>str.strip(chars)</c>; null chars strips whitespace.</summary>
    public static string Strip(string s, string? chars, bool left = true, bool right = true)
    {
        Func<char, bool> strip = chars is null ? IsSpace : chars.Contains;
        int start = 0, end = s.Length;
        if (left)
        {
            while (start < end && strip(s[start])) start++;
        }
        if (right)
        {
            while (end > start && strip(s[end - 1])) end--;
        }
        return s[start..end];
    }

    /// <summary>Python's <c>str.split(sep, maxsplit)</c>: without a separator, runs of whitespace split and
    /// leading/trailing whitespace gives no empty items.</summary>
    public static List<object?> Split(string s, string? separator, long maxSplit)
    {
        var parts = new List<object?>();
        if (separator is null)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && parts.Count >= maxSplit)
                {
                    parts.Add(Strip(s[i..], null, left: false));
                    break;
                }
                int start = i;
                while (i < s.Length && !IsSpace(s[i])) i++;
                parts.Add(s[start..i]);
            }
            return parts;
        }
        if (separator.Length == 0) throw new JinjaRuntimeError("empty separator");
        int from = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int at = s.IndexOf(separator, from, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(s[from..at]);
            from = at + separator.Length;
        }
        parts.Add(s[from..]);
        return parts;
    }

    /// <summary>Python's <c>str.replace(old, new, count)</c>; an empty old inserts between characters.</summary>
    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0 && old.Length > 0) return s.Replace(old, replacement, StringComparison.Ordinal);
        var text = new StringBuilder();
        long done = 0;
        if (old.Length == 0)
        {
            foreach (string c in Characters(s))
            {
                if (count < 0 || done++ < count) text.Append(replacement);
                text.Append(c);
            }
            if (count < 0 || done < count) text.Append(replacement);
            return text.ToString();
        }
        int from = 0;
        while (done < count)
        {
            int at = s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0) break;
            text.Append(s, from, at - from).Append(replacement);
            from = at + old.Length;
            done++;
        }
        return text.Append(s, from, s.Length - from).ToString();
    }

    /// <summary>Python's <c>str.capitalize()</c>: first character upper case, the rest lower case.</summary>
    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>Python's <c>str.title()</c>: a letter after a non-letter is upper case, every other letter lower case.</summary>
    public static string Title(string s)
    {
        var text = new StringBuilder(s.Length);
        bool previousIsLetter = false;
        foreach (char c in s)
        {
            text.Append(previousIsLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetter(c);
        }
        return text.ToString();
    }

    /// <summary>Python's <c>str.splitlines()</c> line boundaries, which Jinja's indent filter splits on.</summary>
    public static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is not ('\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')) continue;
            lines.Add(s[start..i]);
            if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
            start = i + 1;
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    /// <summary>Python's slice semantics over <paramref name="length"/> items: the selected indices in order.</summary>
    public static List<int> SliceIndices(int length, long? start, long? stop, long? step)
    {
        long by = step ?? 1;
        if (by == 0) throw new JinjaRuntimeError("slice step cannot be zero");
        long Clamp(long? value, long whenMissing, long low, long high)
        {
            if (value is not long v) return whenMissing;
            if (v < 0) v += length;
            return Math.Clamp(v, low, high);
        }
        var indices = new List<int>();
        if (by > 0)
        {
            long from = Clamp(start, 0, 0, length), to = Clamp(stop, length, 0, length);
            for (long i = from; i < to; i += by) indices.Add((int)i);
        }
        else
        {
            long from = Clamp(start, length - 1, -1, length - 1), to = Clamp(stop, -1, -1, length - 1);
            for (long i = from; i > to; i += by) indices.Add((int)i);
        }
        return indices;
    }
}
