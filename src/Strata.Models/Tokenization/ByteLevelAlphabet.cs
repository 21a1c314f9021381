namespace Strata.Models.Tokenization;

/// <summary>
/// GPT-2's reversible byte → printable character table: byte-level vocabularies store every byte as one of these
/// characters so that tokens never contain raw spaces or control characters.
/// </summary>
internal static class ByteLevelAlphabet
{
    public static readonly char[] ByteToChar = Build();
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    private static char[] Build()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    public static string Encode(string text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++) span[i] = ByteToChar[source[i]];
        });
    }

    /// <summary>Appends the bytes a byte-level token stands for; characters outside the alphabet pass through as UTF-8.</summary>
    public static void AppendBytes(string token, List<byte> output)
    {
        foreach (char c in token)
        {
            if (CharToByte.TryGetValue(c, out byte b)) output.Add(b);
            else output.AddRange(System.Text.Encoding.UTF8.GetBytes(c.ToString()));
        }
    }
}
