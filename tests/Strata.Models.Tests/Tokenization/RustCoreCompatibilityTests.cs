using System.Text.Json;
using Strata.Models.Tests.Support;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Tokenization;

/// <summary>
/// tokenizer.json files that Strata writes, read by Hugging Face's tokenizers Rust core (the library behind
/// Python's <c>tokenizers</c>, through its official Node bindings): same ids as Strata, exact decode.
/// </summary>
public class RustCoreCompatibilityTests
{
    private sealed record RustResult(int[][] ids, string[] decoded);

    private static RustResult RunRustCore(string tokenizerJson, IReadOnlyList<string> texts)
    {
        string output = NodeTools.RunScript("hf-rust-encode.mjs", JsonSerializer.Serialize(new { tokenizer = tokenizerJson, texts }));
        return JsonSerializer.Deserialize<RustResult>(output)!;
    }

    private static readonly string[] Texts =
    [
        "", "Hello world", "  two  spaces\n\n\tand tabs  ", "It's 3.14159 — isn't it? 1,000,000",
        "emoji 🙂👩‍👩‍👧 and CJK 中文分词 한국어", "special <|endoftext|> token inside",
        File.ReadAllText(Path.Combine(TestPaths.SharedData, "bpe-training", "german.txt")),
        File.ReadAllText(Path.Combine(TestPaths.SharedData, "bpe-training", "tinystories_sample.txt")),
    ];

    private static void AssertAgrees(string tokenizerJson)
    {
        var strata = StrataTokenizer.FromTokenizerJson(tokenizerJson);
        var rust = RunRustCore(tokenizerJson, Texts);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(rust.ids[i], strata.Encode(Texts[i]).ToArray());
            Assert.Equal(Texts[i], rust.decoded[i]);
        }
    }

    [Fact]
    public void FreshlyTrainedTokenizerReadsIdenticallyInTheRustCore()
    {
        var model = BpeTrainer.TrainFromFiles(
            [Path.Combine(TestPaths.SharedData, "bpe-training", "corpus.en")], new BpeTrainerOptions(700));
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "tokenizer.json");
        TokenizerJsonWriter.Write(model, path);
        AssertAgrees(path);
    }

    [Fact]
    public void BundledTokenizerReadsIdenticallyInTheRustCore()
    {
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "tokenizer.json");
        BundledTokenizer.SaveTo(path);
        AssertAgrees(path);
    }
}
