namespace Strata.Data.Chunking;

/// <summary>
/// Where sentences start. A sentence ends at <c>.</c>, <c>!</c>, <c>?</c> or <c>…</c> (optionally followed by closing
/// quotes or brackets) followed by whitespace, and the next one starts at the following non-space character, unless:
/// that character is a lower-case letter ("e.g. the", "approx. five", "Yahoo! is"); or the full stop ends an
/// abbreviation: letters in groups of one or two joined by full stops ("e.g.", "i.e.", "U.S.", "Ph.D."), a single letter (the initial in "J. Smith"), or
/// one of a few title and reference abbreviations ("Dr.", "Mr.", "vs.", "Fig."). A decimal ("3.14") never ends a
/// sentence because no whitespace follows its point. A line break always starts a new sentence.
/// </summary>
internal static class Sentences
{
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> Abbreviations =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "cf", "fig", "figs", "eq", "eqs", "approx", "ca",
        }.GetAlternateLookup<ReadOnlySpan<char>>();

    private const string Closers = "\"')]}»”’";

    /// <summary>Sentences of a range as trimmed spans.</summary>
    public static List<Span> Split(string text, Span range)
    {
        var starts = Starts(text, range);
        var sentences = new List<Span>(starts.Count);
        for (int k = 0; k < starts.Count; k++)
        {
            int end = k + 1 < starts.Count ? starts[k + 1] : range.End;
            sentences.Add(TextSpans.Trim(text, starts[k], end));
        }
        return sentences;
    }

    /// <summary>Offsets of the first character of every sentence in the range, ascending; the first is the range's first non-space character.</summary>
    public static List<int> Starts(string text, Span range)
    {
        var starts = new List<int>();
        int first = TextSpans.Trim(text, range.Start, range.End).Start;
        if (first >= range.End) return starts;
        starts.Add(first);
        for (int i = first; i < range.End; i++)
        {
            char c = text[i];
            if (c == '\n')
            {
                Add(starts, TextSpans.Trim(text, i, range.End).Start, range.End);
            }
            else if (c is '.' or '!' or '?' or '…')
            {
                int after = i + 1;
                while (after < range.End && Closers.Contains(text[after])) after++;
                if (after >= range.End || !char.IsWhiteSpace(text[after])) continue;
                int next = TextSpans.Trim(text, after, range.End).Start;
                if (next < range.End && !char.IsLower(text[next]) && !(c == '.' && IsAbbreviation(text, i)))
                {
                    Add(starts, next, range.End);
                }
            }
        }
        return starts;
    }

    private static void Add(List<int> starts, int start, int end)
    {
        if (start < end && start > starts[^1]) starts.Add(start);
    }

    // The word that the full stop at `dot` ends: from the previous space or opening punctuation up to the dot.
    private static bool IsAbbreviation(string text, int dot)
    {
        if (dot > 0 && text[dot - 1] == '.') return false; // an ellipsis written as "..."
        int start = dot;
        while (start > 0 && !char.IsWhiteSpace(text[start - 1]) && text[start - 1] is not ('(' or '[' or '"' or '“')) start--;
        var word = text.AsSpan(start, dot - start);
        if (word.Length == 1 && char.IsLetter(word[0])) return true;
        return word.Contains('.') ? IsDottedAbbreviation(word) : Abbreviations.Contains(word);
    }

    // "e.g", "i.e", "U.S", "a.m", "Ph.D": every part between the stops is one or two letters. "example.com" and "v1.2"
    // are not, so a sentence ending in them still ends.
    private static bool IsDottedAbbreviation(ReadOnlySpan<char> word)
    {
        foreach (var range in word.Split('.'))
        {
            var part = word[range];
            if (part.Length is 0 or > 2) return false;
            foreach (char c in part)
            {
                if (!char.IsLetter(c)) return false;
            }
        }
        return true;
    }
}
