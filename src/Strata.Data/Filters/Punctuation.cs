using System.Text;

namespace Strata.Data.Filters;

/// <summary>
/// datatrove's punctuation sets (<c>datatrove.utils.text</c>), code point for code point, so that the rules that count
/// "symbol words" and "lines ending in punctuation" agree with FineWeb's numbers.
/// </summary>
internal static class Punctuation
{
    // datatrove's PUNCTUATION string; the ASCII control ranges it appends are added in the constructor below.
    private const string Symbols =
        "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»";

    // datatrove's TERMINAL_PUNCTUATION (159 code points across scripts).
    private static readonly int[] TerminalCodePoints =
    [
        0x21, 0x2E, 0x3F, 0x589, 0x61D, 0x61E, 0x61F, 0x6D4, 0x700, 0x701, 0x702, 0x7F9, 0x837, 0x839, 0x83D, 0x83E,
        0x964, 0x965, 0x104A, 0x104B, 0x1362, 0x1367, 0x1368, 0x166E, 0x1735, 0x1736, 0x17D4, 0x17D5, 0x17D6, 0x17D9,
        0x17DA, 0x1803, 0x1809, 0x1944, 0x1945, 0x1AA8, 0x1AA9, 0x1AAA, 0x1AAB, 0x1B5A, 0x1B5B, 0x1B5E, 0x1B5F, 0x1B7D,
        0x1B7E, 0x1C3B, 0x1C3C, 0x1C7E, 0x1C7F, 0x203C, 0x203D, 0x2047, 0x2048, 0x2049, 0x2E2E, 0x2E3C, 0x2E53, 0x2E54,
        0x3002, 0xA4FF, 0xA60E, 0xA60F, 0xA6F3, 0xA6F7, 0xA876, 0xA877, 0xA8CE, 0xA8CF, 0xA92F, 0xA9C8, 0xA9C9, 0xAA5D,
        0xAA5E, 0xAA5F, 0xAAF0, 0xAAF1, 0xABEB, 0xFE52, 0xFE56, 0xFE57, 0xFF01, 0xFF0E, 0xFF1F, 0xFF61, 0x10A56, 0x10A57,
        0x10F55, 0x10F56, 0x10F57, 0x10F58, 0x10F59, 0x10F86, 0x10F87, 0x10F88, 0x10F89, 0x11047, 0x11048, 0x110BE,
        0x110BF, 0x110C0, 0x110C1, 0x11141, 0x11142, 0x11143, 0x111C5, 0x111C6, 0x111CD, 0x111DE, 0x111DF, 0x11238,
        0x11239, 0x1123B, 0x1123C, 0x112A9, 0x1144B, 0x1144C, 0x115C2, 0x115C3, 0x115C9, 0x115CA, 0x115CB, 0x115CC,
        0x115CD, 0x115CE, 0x115CF, 0x115D0, 0x115D1, 0x115D2, 0x115D3, 0x115D4, 0x115D5, 0x115D6, 0x115D7, 0x11641,
        0x11642, 0x1173C, 0x1173D, 0x1173E, 0x11944, 0x11946, 0x11A42, 0x11A43, 0x11A9B, 0x11A9C, 0x11C41, 0x11C42,
        0x11EF7, 0x11EF8, 0x11F43, 0x11F44, 0x16A6E, 0x16A6F, 0x16AF5, 0x16B37, 0x16B38, 0x16B44, 0x16E98, 0x1BC9F,
        0x1DA88,
    ];

    /// <summary>Sentence-ending marks (FineWeb's line-punctuation rule).</summary>
    public static readonly HashSet<int> Terminal = [.. TerminalCodePoints];

    /// <summary>PUNCTUATION ∪ TERMINAL_PUNCTUATION: a word made only of these is a "symbol word".</summary>
    public static readonly HashSet<int> All = BuildAll();

    private static HashSet<int> BuildAll()
    {
        var set = new HashSet<int>(TerminalCodePoints);
        foreach (var rune in Symbols.EnumerateRunes())
            set.Add(rune.Value);
        // datatrove appends chr(0..8), chr(11..31) and chr(127..159): control characters other than \t and \n.
        foreach (var (from, to) in new[] { (0, 9), (11, 13), (13, 32), (127, 160) })
        {
            for (var c = from; c < to; c++)
                set.Add(c);
        }
        return set;
    }

    /// <summary>True when every code point of <paramref name="word"/> is punctuation (Python: not any(ch not in set)).</summary>
    public static bool IsSymbolWord(string word)
    {
        foreach (var rune in word.EnumerateRunes())
        {
            if (!All.Contains(rune.Value))
                return false;
        }
        return true;
    }

    /// <summary>True when the line's last code point is sentence-ending punctuation.</summary>
    public static bool EndsWithTerminal(ReadOnlySpan<char> line)
    {
        if (line.IsEmpty)
            return false;
        int last = char.IsLowSurrogate(line[^1]) && line.Length > 1 && char.IsHighSurrogate(line[^2])
            ? char.ConvertToUtf32(line[^2], line[^1])
            : line[^1];
        return Terminal.Contains(last);
    }
}
