using System.Text;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Tokenization;

/// <summary>
/// Exact ids against Hugging Face tokenizers' reference output for every llama.cpp test vocabulary we support.
/// Passing exactly (all 46 inputs each): byte-level BPE gpt-2, falcon, mpt, starcoder, refact, deepseek-coder,
/// deepseek-llm; SentencePiece BPE llama-spm, phi-3. bert-bge (WordPiece) is EncoderTokenizer's (EncoderTokenizerTests);
/// baichuan and gpt-neox ship no .inp/.out vectors.
/// </summary>
public class GgufVocabConformanceTests
{
    [Theory]
    [InlineData("gpt-2")]
    [InlineData("falcon")]
    [InlineData("mpt")]
    [InlineData("starcoder")]
    [InlineData("refact")]
    [InlineData("deepseek-coder")]
    [InlineData("deepseek-llm")]
    [InlineData("llama-spm")]
    [InlineData("phi-3")]
    public void EncodesEveryReferenceInputExactly(string vocab)
    {
        var tokenizer = StrataTokenizer.FromGguf(VocabTestVectors.GgufPath(vocab));
        var vectors = VocabTestVectors.Load(vocab);
        Assert.True(vectors.Count >= 40, $"expected the full llama.cpp vector set, found {vectors.Count}");

        var failures = new StringBuilder();
        int failed = 0;
        foreach (var (text, expected) in vectors)
        {
            int[] actual = tokenizer.Encode(text).ToArray();
            if (actual.SequenceEqual(expected)) continue;
            failed++;
            failures.AppendLine($"input {Escape(text)}\n  expected {string.Join(' ', expected)}\n  actual   {string.Join(' ', actual)}");
        }
        Assert.True(failed == 0, $"{vocab}: {failed} of {vectors.Count} inputs differ\n{failures}");
    }

    [Fact]
    public void WordPieceVocabularyIsRejectedWithTheFileAndModelNamed()
    {
        string path = VocabTestVectors.GgufPath("bert-bge");
        var error = Assert.Throws<NotSupportedException>(() => StrataTokenizer.FromGguf(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'bert'", error.Message);
    }

    internal static string Escape(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (char c in text)
            builder.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", '"' => "\\\"", _ => c.ToString() });
        return builder.Append('"').ToString();
    }
}
