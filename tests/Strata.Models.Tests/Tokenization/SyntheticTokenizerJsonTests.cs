using System.Text.Json;
using Strata.Models.Tests.Support;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Tokenization;

/// <summary>
/// A small hand-made tokenizer.json exercising what the published files do not: merges written as [a, b] arrays,
/// NFC normalization, Split on a literal string, Digits, ByteLevel with add_prefix_space, and non-special added
/// tokens. Golden ids come from Hugging Face's JavaScript tokenizers reading the same file (which, unlike the Rust
/// library, treats the Removed/Merged*/Contiguous split behaviours as Isolated, so only Isolated is compared here).
/// </summary>
public class SyntheticTokenizerJsonTests
{
    private static string WriteTokenizer()
    {
        var vocab = new Dictionary<string, int>();
        foreach (char c in ByteLevelAlphabet.ByteToChar) vocab[c.ToString()] = vocab.Count;
        string[][] merges = [["Ġ", "t"], ["h", "e"], ["Ġt", "he"], ["Ġ", "c"], ["a", "t"], ["Ġc", "at"], ["Ã", "©"], ["c", "af"], ["a", "f"]];
        foreach (var m in merges) vocab.TryAdd(m[0] + m[1], vocab.Count);
        int next = vocab.Count;
        var json = new
        {
            version = "1.0",
            added_tokens = new object[]
            {
                new { id = next, content = "<tool>", single_word = false, lstrip = false, rstrip = false, normalized = false, special = false },
                new { id = next + 1, content = "<|end|>", single_word = false, lstrip = false, rstrip = false, normalized = false, special = true },
            },
            normalizer = new { type = "NFC" },
            pre_tokenizer = new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { String = "|" }, behavior = "Isolated", invert = false },
                    new { type = "Digits", individual_digits = true },
                    new { type = "ByteLevel", add_prefix_space = true, trim_offsets = true, use_regex = true },
                },
            },
            post_processor = (object?)null,
            decoder = new { type = "ByteLevel", add_prefix_space = true, trim_offsets = true, use_regex = true },
            model = new { type = "BPE", vocab, merges, byte_fallback = false, ignore_merges = false },
        };
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "tokenizer.json");
        File.WriteAllText(path, JsonSerializer.Serialize(json));
        return path;
    }

    [Fact]
    public void MatchesHuggingFaceOnTheSameFile()
    {
        string path = WriteTokenizer();
        string[] texts =
        [
            "the cat", "The cat|the cat", "cafe\u0301 12345", "x<tool>the cat<|end|> the", "  the  cat  ", "a|b||c", "<|end|>",
        ];
        int[][] expected = HfReference.Encode(path, texts);
        var tokenizer = StrataTokenizer.FromTokenizerJson(path);
        for (int i = 0; i < texts.Length; i++)
            Assert.True(expected[i].SequenceEqual(tokenizer.Encode(texts[i])),
                $"{texts[i]}: expected {string.Join(' ', expected[i])}, actual {string.Join(' ', tokenizer.Encode(texts[i]))}");
        Assert.Equal(new Dictionary<string, int> { ["<|end|>"] = tokenizer.VocabularySize - 1 }, tokenizer.SpecialTokens);
    }
}
