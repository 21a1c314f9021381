using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Strata.Models.Encoders;

// Hugging Face tokenizers' BERT text handling, ported for EncoderTokenizer, which plugs these into
// Microsoft.ML.Tokenizers' BertTokenizer in place of the library's own (see each class for how those differ).

/// <summary>
/// A character's general category as Hugging Face tokenizers sees it. It takes categories from the unicode_categories
/// crate, whose tables are Unicode 8.0: the code points below became marks, punctuation or format characters later, so
/// to it they are plain (unassigned) characters, and four more have changed category since. The list is every code
/// point where .NET 10's Unicode and the Rust core (tokenizers 0.23) disagree; EncoderTokenizerTests compares them all,
/// so a newer .NET that adds marks or punctuation shows up there.
/// </summary>
internal static class HfUnicode
{
    public static UnicodeCategory Category(Rune rune) => rune.Value switch
    {
        < 0x61D => Rune.GetUnicodeCategory(rune),
        0x166D or 0x111C9 => UnicodeCategory.OtherPunctuation,
        0x1734 or 0x1171E => UnicodeCategory.NonSpacingMark,
        var c when IsNewerThanUnicode8(c) => UnicodeCategory.OtherNotAssigned,
        _ => Rune.GetUnicodeCategory(rune),
    };

    private static readonly (int First, int Last)[] NewerThanUnicode8 =
    [
        .. """
        61D 7FD 890-891 897-89F 8CA-8E2 9FD-9FE A76 AFA-AFF B55 C04 C3C C77 C84 D00 D3B-D3C D81 EBA ECE 180F
        1885-1886 1ABF-1ACE 1B4E-1B4F 1B7D-1B7F 1DF6-1DFB 2E43-2E4F 2E52-2E5D A82C A8C5 A8FF A9BD 10D24-10D27
        10D69-10D6E 10EAB-10EAD 10EFC-10EFF 10F46-10F50 10F55-10F59 10F82-10F89 11070 11073-11074 110C2 110CD 111CF
        1123E 11241 1133B 113BB-113C0 113CE 113D0 113D2 113D4-113D5 113D7-113D8 113E1-113E2 11438-1143F 11442-11444
        11446 1144B-1144F 1145A-1145B 1145D-1145E 11660-1166C 116B9 1182F-11837 11839-1183B 1193B-1193C 1193E
        11943-11946 119D4-119D7 119DA-119DB 119E0 119E2 11A01-11A0A 11A33-11A38 11A3B-11A47 11A51-11A56 11A59-11A5B
        11A8A-11A96 11A98-11A9C 11A9E-11AA2 11B00-11B09 11BE1 11C30-11C36 11C38-11C3D 11C3F 11C41-11C45 11C70-11C71
        11C92-11CA7 11CAA-11CB0 11CB2-11CB3 11CB5-11CB6 11D31-11D36 11D3A 11D3C-11D3D 11D3F-11D45 11D47 11D90-11D91
        11D95 11D97 11EF3-11EF4 11EF7-11EF8 11F00-11F01 11F36-11F3A 11F40 11F42-11F4F 11F5A 11FFF 12FF1-12FF2
        13430-13440 13447-13455 1611E-16129 1612D-1612F 16D6D-16D6F 16E97-16E9A 16F4F 16FE2 16FE4 1CF00-1CF2D
        1CF30-1CF46 1E000-1E006 1E008-1E018 1E01B-1E021 1E023-1E024 1E026-1E02A 1E08F 1E130-1E136 1E2AE 1E2EC-1E2EF
        1E4EC-1E4EF 1E5EE-1E5EF 1E5FF 1E944-1E94A 1E95E-1E95F
        """.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)
            .Select(range => range.Split('-')).Select(ends => (Convert.ToInt32(ends[0], 16), Convert.ToInt32(ends[^1], 16))),
    ];

    private static bool IsNewerThanUnicode8(int c)
    {
        int low = 0, high = NewerThanUnicode8.Length - 1;
        while (low <= high)
        {
            int middle = (low + high) / 2;
            if (c < NewerThanUnicode8[middle].First) high = middle - 1;
            else if (c > NewerThanUnicode8[middle].Last) low = middle + 1;
            else return true;
        }
        return false;
    }
}

/// <summary>
/// Hugging Face's BertNormalizer (normalizers/bert.rs), step for step. Microsoft.ML.Tokenizers' BertNormalizer differs:
/// it deletes \t, \n and \r (Hugging Face makes them spaces, so "a\nb" stays two words); it keeps format characters
/// (Cf: zero-width joiner, soft hyphen, BOM) that Hugging Face deletes; it lower-cases only Lu letters (not ǅ, Ⅻ, Ⓐ,
/// nor İ to "i̇"); it recomposes to NFC at the end where Hugging Face leaves the NFD of strip_accents (Hangul
/// syllables stay jamo); and its CJK ranges leave out U+3400 and add U+2B820..U+2B91F.
/// </summary>
internal sealed class HfBertNormalizer(bool cleanText, bool chineseChars, bool stripAccents, bool lowercase) : Normalizer
{
    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());

    public override string Normalize(string original)
    {
        var text = new StringBuilder(original.Length + 8);
        foreach (Rune rune in original.EnumerateRunes())
        {
            int c = rune.Value;
            if (cleanText && c is not ('\t' or '\n' or '\r') && (c is 0 or 0xFFFD || IsOther(rune))) continue;
            if (cleanText && Rune.IsWhiteSpace(rune)) text.Append(' ');
            else if (chineseChars && IsChinese(c)) Append(text.Append(' '), rune).Append(' ');
            else Append(text, rune);
        }
        if (!stripAccents && !lowercase) return text.ToString();

        // string.Normalize throws on U+FFFE (a noncharacter that Hugging Face keeps); it neither decomposes nor combines,
        // so the text on either side of it is decomposed on its own.
        string decomposed = stripAccents
            ? string.Join('\uFFFE', text.ToString().Split('\uFFFE').Select(part => part.Normalize(NormalizationForm.FormD)))
            : text.ToString();
        text.Clear();
        foreach (Rune rune in decomposed.EnumerateRunes())
        {
            if (stripAccents && HfUnicode.Category(rune) == UnicodeCategory.NonSpacingMark) continue;
            if (!lowercase) Append(text, rune);
            // İ is the one character whose lower case is two (i + combining dot above), as Rust's char::to_lowercase gives it.
            else if (rune.Value == 0x130) text.Append("i\u0307");
            else Append(text, Rune.ToLowerInvariant(rune));
        }
        return text.ToString();
    }

    /// <summary>unicode_categories' is_other: Cc, Cf, Co.</summary>
    private static bool IsOther(Rune rune) => HfUnicode.Category(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse;

    private static bool IsChinese(int c) => c is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
        or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B920 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF)
        or (>= 0x2F800 and <= 0x2FA1F);

    private static StringBuilder Append(StringBuilder builder, Rune rune)
    {
        Span<char> chars = stackalloc char[2];
        return builder.Append(chars[..rune.EncodeToUtf16(chars)]);
    }
}

/// <summary>
/// Hugging Face's BertPreTokenizer: words end at whitespace, and every punctuation character (ASCII punctuation or
/// Unicode P*) is a word of its own. Microsoft.ML.Tokenizers' word-or-punctuation regex (\w+|\p{P}) instead drops
/// symbols ($, +, ½, emoji become nothing rather than [UNK]) and keeps "_" inside words.
/// </summary>
internal sealed class HfBertPreTokenizer : PreTokenizer
{
    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => PreTokenize(text.ToString());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        var words = new List<(int Offset, int Length)>();
        int start = -1;
        for (int i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int length);
            bool punctuation = rune.IsAscii
                ? rune.Value is > 0x20 and < 0x7F && !char.IsAsciiLetterOrDigit((char)rune.Value) // Rust's is_ascii_punctuation: $ + < = > ^ ` | ~ too
                : HfUnicode.Category(rune) is >= UnicodeCategory.ConnectorPunctuation and <= UnicodeCategory.OtherPunctuation;
            if (punctuation || Rune.IsWhiteSpace(rune))
            {
                if (start >= 0) words.Add((start, i - start));
                if (punctuation) words.Add((i, length));
                start = -1;
            }
            else if (start < 0)
            {
                start = i;
            }
            i += length;
        }
        if (start >= 0) words.Add((start, text.Length - start));
        return words;
    }
}
