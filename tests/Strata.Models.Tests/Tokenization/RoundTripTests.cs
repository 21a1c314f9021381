using Strata.Models.Tests.Support;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Tokenization;

/// <summary>Decode(Encode(text)) must give back the identical text for every supported kind of tokenizer.</summary>
public class RoundTripTests
{
    public static TheoryData<string> Tokenizers => ["json:llama3", "json:llama2", "gguf:gpt-2", "gguf:deepseek-llm", "gguf:falcon", "gguf:llama-spm", "gguf:phi-3", "gguf:baichuan", "gguf:gpt-neox", "gguf:starcoder"];

    private static StrataTokenizer Load(string name) => name.Split(':') switch
    {
        ["json", "llama3"] => StrataTokenizer.FromTokenizerJson(HfReference.Llama3TokenizerJson),
        ["json", "llama2"] => StrataTokenizer.FromTokenizerJson(HfReference.Llama2TokenizerJson),
        ["gguf", var vocab] => StrataTokenizer.FromGguf(VocabTestVectors.GgufPath(vocab)),
        _ => throw new ArgumentException(name),
    };

    private static IEnumerable<string> Texts()
    {
        foreach (string text in HfReference.CommonTexts) yield return text;
        yield return "       ";
        yield return "a  b   c    d\t\t\te\n\n\nf";
        yield return "🙂🙃🫠👨‍👩‍👧 🏳️‍🌈";
        yield return "漢字かなカナ한글";
        yield return File.ReadAllText(Path.Combine(TestPaths.SharedData, "bpe-training", "german.txt"));
        yield return File.ReadAllText(Path.Combine(TestPaths.SharedData, "bpe-training", "address.txt"));
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void DecodeOfEncodeIsIdentity(string name)
    {
        var tokenizer = Load(name);
        foreach (string text in Texts())
        {
            var ids = tokenizer.Encode(text);
            Assert.True(text.Length == 0 || ids.Count > 0, $"{name}: no ids for {GgufVocabConformanceTests.Escape(text)}");
            Assert.Equal(text, tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void EmptyTextHasNoIds()
    {
        var tokenizer = Load("gguf:gpt-2");
        Assert.Empty(tokenizer.Encode(""));
        Assert.Equal("", tokenizer.Decode([]));
    }

    [Fact]
    public void TextCutInsideACharacterDecodesToReplacementCharacter()
    {
        var tokenizer = Load("gguf:gpt-2");
        var ids = tokenizer.Encode("😁");
        Assert.True(ids.Count > 1, "the emoji should take several byte tokens in GPT-2");
        Assert.Equal("\uFFFD", tokenizer.Decode(ids.Take(1)));
    }
}
