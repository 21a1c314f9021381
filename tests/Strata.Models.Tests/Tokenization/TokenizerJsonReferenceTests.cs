using System.Text;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Tokenization;

/// <summary>Real published tokenizer.json files against Hugging Face's own (JavaScript) tokenizers.</summary>
public class TokenizerJsonReferenceTests
{
    private static readonly Lazy<StrataTokenizer> Llama3 = new(() => StrataTokenizer.FromTokenizerJson(HfReference.Llama3TokenizerJson));
    private static readonly Lazy<StrataTokenizer> Llama2 = new(() => StrataTokenizer.FromTokenizerJson(HfReference.Llama2TokenizerJson));

    private static readonly string[] Llama3Texts =
    [
        .. HfReference.CommonTexts,
        "<|begin_of_text|>Hello<|end_of_text|>",
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>",
        "text<|reserved_special_token_5|>more <|eot_id|> end",
        "<|begin_of_text",
    ];

    private static readonly string[] Llama2Texts =
    [
        .. HfReference.CommonTexts,
        "<s>Hello</s>",
        "[INST] What is 2+2? [/INST]",
        " <s> x </s> ",
    ];

    [Fact]
    public void Llama3MatchesHuggingFace() => AssertMatches(Llama3.Value, HfReference.Llama3TokenizerJson, Llama3Texts);

    [Fact]
    public void Llama2SentencePieceMatchesHuggingFace() => AssertMatches(Llama2.Value, HfReference.Llama2TokenizerJson, Llama2Texts);

    [Fact]
    public void Llama3MetadataComesFromTheTokenizerFiles()
    {
        var tokenizer = Llama3.Value;
        Assert.Equal(128256, tokenizer.VocabularySize);
        Assert.Equal(128000, tokenizer.BosTokenId);
        Assert.Equal(128000, tokenizer.SpecialTokens["<|begin_of_text|>"]);
        Assert.Equal(128009, tokenizer.SpecialTokens["<|eot_id|>"]);
        Assert.Equal(256, tokenizer.SpecialTokens.Count);
        Assert.Equal("<|end_of_text|>", tokenizer.IdToToken(128001));
        Assert.Equal(9906, tokenizer.TokenToId("Hello"));
        Assert.Null(tokenizer.TokenToId("no such token"));
        Assert.Null(tokenizer.IdToToken(128256));
    }

    [Fact]
    public void FromDirectoryLoadsTheModelDirectorysTokenizerJson()
    {
        var tokenizer = StrataTokenizer.FromDirectory(Path.GetDirectoryName(HfReference.Llama3TokenizerJson)!);
        Assert.Equal(Llama3.Value.Encode("Hello world"), tokenizer.Encode("Hello world"));
        Assert.Equal(128000, tokenizer.BosTokenId);
    }

    [Fact]
    public void Llama2MetadataComesFromTheTokenizerFiles()
    {
        var tokenizer = Llama2.Value;
        Assert.Equal(32000, tokenizer.VocabularySize);
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal(2, tokenizer.EosTokenId);
        Assert.Equal(new[] { 1 }, tokenizer.Encode("", addBos: true));
    }

    [Fact]
    public void SpecialTokenTextIsOrdinaryTextWhenParsingIsOff()
    {
        var tokenizer = Llama3.Value;
        const string text = "<|begin_of_text|>Hi<|eot_id|>";
        var parsed = tokenizer.Encode(text);
        var literal = tokenizer.Encode(text, parseSpecialTokens: false);
        Assert.Equal(HfReference.Encode(HfReference.Llama3TokenizerJson, [text])[0], parsed);
        Assert.Equal(128000, parsed[0]);
        Assert.DoesNotContain(literal, id => id >= 128000);
        Assert.Equal(text, tokenizer.Decode(literal));
    }

    [Fact]
    public void AddBosAndSkipSpecialTokens()
    {
        var tokenizer = Llama3.Value;
        var ids = tokenizer.Encode("Hello<|eot_id|>", addBos: true);
        Assert.Equal(new[] { 128000, 9906, 128009 }, ids);
        Assert.Equal("<|begin_of_text|>Hello<|eot_id|>", tokenizer.Decode(ids));
        Assert.Equal("Hello", tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    private static void AssertMatches(StrataTokenizer tokenizer, string tokenizerJson, string[] texts)
    {
        int[][] expected = HfReference.Encode(tokenizerJson, texts);
        var failures = new StringBuilder();
        for (int i = 0; i < texts.Length; i++)
        {
            int[] actual = tokenizer.Encode(texts[i]).ToArray();
            if (!actual.SequenceEqual(expected[i]))
                failures.AppendLine($"{GgufVocabConformanceTests.Escape(texts[i])}\n  expected {string.Join(' ', expected[i])}\n  actual   {string.Join(' ', actual)}");
        }
        Assert.True(failures.Length == 0, failures.ToString());
    }
}
