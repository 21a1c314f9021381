using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Strata.Data.Filters;

/// <summary>
/// datatrove's <c>find_duplicates</c> over pieces of a text (paragraphs, lines) without making a string per piece: a
/// piece is remembered by its 64-bit XXH3 hash and length, as <see cref="WordGrams"/> remembers n-grams; two different
/// pieces sharing both is vanishingly unlikely.
/// </summary>
internal static class Repeats
{
    [ThreadStatic] private static HashSet<(ulong, int)>? scratch;

    /// <summary>This thread's empty set of (hash, length) keys; valid until the thread's next call.</summary>
    public static HashSet<(ulong, int)> Scratch()
    {
        var set = scratch ??= [];
        set.Clear();
        return set;
    }

    /// <summary>The key of one piece of text.</summary>
    public static (ulong, int) Key(ReadOnlySpan<char> piece) =>
        (XxHash3.HashToUInt64(MemoryMarshal.AsBytes(piece)), piece.Length);

    /// <summary>
    /// Splits <paramref name="text"/> at every run of at least <paramref name="minNewlines"/> newlines, as
    /// <c>re.split(r"\n{k,}", text)</c> does (empty pieces at the ends included), and counts the pieces, how many repeat
    /// an earlier piece, and the repeats' length in code points.
    /// </summary>
    public static (int Pieces, int Repeated, int RepeatedChars) OfPieces(ReadOnlySpan<char> text, int minNewlines)
    {
        var seen = Scratch();
        int pieces = 0, repeated = 0, chars = 0, from = 0, i = 0;
        while (true)
        {
            if (i < text.Length && text[i] != '\n')
            {
                i++;
                continue;
            }
            int run = i;
            while (run < text.Length && text[run] == '\n') run++;
            if (i == text.Length || run - i >= minNewlines)
            {
                var piece = text[from..i];
                pieces++;
                if (!seen.Add(Key(piece)))
                {
                    repeated++;
                    chars += PyText.Length(piece);
                }
                if (i == text.Length)
                    return (pieces, repeated, chars);
                from = run;
            }
            i = run;
        }
    }
}
