using System.Text;

namespace Strata.Models.Tokenization;

/// <summary>
/// GPT-2's reversible byte-to-unicode mapping. Byte-level BPE vocabularies are bytes, but tokenizer.json stores
/// them as strings: printable bytes map to themselves, the rest (control characters, space, 0x7F-0xA0, 0xAD) to
/// U+0100 onwards so that every token is a visible string without spaces (which is what lets merges be
/// written as "left right").
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByteTable = BuildCharToByte(ByteToCharTable);

    /// <summary>
    /// The 256 byte values in the order of their mapped characters (printable bytes first, then the remapped
    /// ones). Hugging Face's trainer and the reference fixture both number the initial byte tokens this way.
    /// </summary>
    public static IReadOnlyList<byte> BytesInCharacterOrder { get; } =
        Enumerable.Range(0, 256).Select(b => (byte)b).OrderBy(b => ByteToCharTable[b]).ToArray();

    public static char ToChar(byte value) => ByteToCharTable[value];

    /// <summary>The character each byte value maps to, indexed by byte.</summary>
    public static IReadOnlyList<char> ByteToChar => ByteToCharTable;

    /// <summary>Appends the bytes a byte-level token stands for; characters outside the alphabet pass through as UTF-8.</summary>
    public static void AppendBytes(string token, List<byte> output)
    {
        foreach (char c in token)
        {
            if (CharToByteTable.TryGetValue(c, out byte b)) output.Add(b);
            else output.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
    }

    /// <summary>Maps raw bytes to their GPT-2 string form, e.g. " the" becomes "Ġthe".</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = bytes.Length <= 512 ? stackalloc char[bytes.Length] : new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToCharTable[bytes[i]];
        return new string(chars);
    }

    /// <summary>Encodes the UTF-8 bytes of a text, e.g. for building a byte-level vocabulary from plain strings.</summary>
    public static string EncodeText(string text) => Encode(Encoding.UTF8.GetBytes(text));

    /// <summary>Maps a GPT-2 string form back to bytes; throws for characters outside the 256-character alphabet.</summary>
    public static byte[] Decode(string encoded)
    {
        var bytes = new byte[encoded.Length];
        for (int i = 0; i < encoded.Length; i++)
        {
            if (!CharToByteTable.TryGetValue(encoded[i], out bytes[i]))
            {
                throw new FormatException($"'{encoded[i]}' (U+{(int)encoded[i]:X4}) is not a byte-level character.");
            }
        }
        return bytes;
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)(256 + next++);
        }
        return table;
    }

    private static Dictionary<char, byte> BuildCharToByte(char[] byteToChar)
    {
        var map = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++) map[byteToChar[b]] = (byte)b;
        return map;
    }
}
