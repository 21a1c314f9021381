using System.Security.Cryptography;
using System.Text;
using Strata.Models.Tokenization;

namespace Strata.Training.Datasets;

/// <summary>
/// A hash that changes when a tokenizer would produce different ids: its whole id → token table plus the ids it
/// gives a probe text covering merges, whitespace, digits, non-Latin scripts, emoji and special-token text.
/// (Merges are not public, so a merge-only change is caught only where the probe exercises it.)
/// </summary>
public static class TokenizerFingerprint
{
    private const string Probe =
        "Hello, world! The quick brown fox jumps over the lazy dog.\n\n  Indented\tline\r\nwith CRLF; it's 1234567 and 3.14159.\n"
        + "ROMEO: But, soft! what light through yonder window breaks?\n"
        + "Ünïcödé, 日本語のテキスト, русский текст, مرحبا, 🙂👍🏽 emoji, <|endoftext|> <|im_start|>user<|im_end|>";

    /// <returns><c>"sha256:"</c> followed by 64 lower-case hex digits.</returns>
    public static string Compute(StrataTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text)
        {
            hash.AppendData(BitConverter.GetBytes(text.Length));
            hash.AppendData(Encoding.UTF8.GetBytes(text));
        }
        void AddIds(IReadOnlyList<int> ids)
        {
            hash.AppendData(BitConverter.GetBytes(ids.Count));
            foreach (int id in ids) hash.AppendData(BitConverter.GetBytes(id));
        }
        Add("strata-tokenizer-fingerprint-v1");
        hash.AppendData(BitConverter.GetBytes(tokenizer.VocabularySize));
        for (int id = 0; id < tokenizer.VocabularySize; id++) Add(tokenizer.IdToToken(id) ?? "\0<no token>");
        AddIds(tokenizer.Encode(Probe, addBos: false, parseSpecialTokens: false));
        AddIds(tokenizer.Encode(Probe, addBos: true, parseSpecialTokens: true));
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
