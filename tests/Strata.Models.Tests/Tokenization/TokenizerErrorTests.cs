using Strata.Models.Gguf;
using Strata.Models.Tests.Support;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Tokenization;

/// <summary>Bad input files give errors that name the file and what is wrong.</summary>
public class TokenizerErrorTests
{
    [Fact]
    public void MissingFilesAreNamed()
    {
        string dir = TestPaths.NewTemporaryDirectory();
        string gguf = Path.Combine(dir, "absent.gguf");
        string json = Path.Combine(dir, "tokenizer.json");
        Assert.Contains(gguf, Assert.Throws<FileNotFoundException>(() => StrataTokenizer.FromGguf(gguf)).Message);
        Assert.Contains(json, Assert.Throws<FileNotFoundException>(() => StrataTokenizer.FromTokenizerJson(json)).Message);
        Assert.Contains(dir, Assert.Throws<FileNotFoundException>(() => StrataTokenizer.FromDirectory(dir)).Message);
        string missingDir = Path.Combine(dir, "nope");
        Assert.Contains(missingDir, Assert.Throws<DirectoryNotFoundException>(() => StrataTokenizer.FromDirectory(missingDir)).Message);
    }

    [Fact]
    public void BadMagicIsReported()
    {
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "bad.gguf");
        File.WriteAllBytes(path, "GGML\u0003\0\0\0"u8.ToArray());
        var error = Assert.Throws<InvalidDataException>(() => StrataTokenizer.FromGguf(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("magic", error.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(20)]
    [InlineData(1000)]
    [InlineData(500_000)]
    public void TruncatedGgufIsReported(int length)
    {
        byte[] whole = File.ReadAllBytes(VocabTestVectors.GgufPath("gpt-2"));
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "cut.gguf");
        File.WriteAllBytes(path, whole[..length]);
        var error = Assert.Throws<InvalidDataException>(() => GgufFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void UnknownValueTypeIsReported()
    {
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "odd.gguf");
        File.WriteAllBytes(path, new GgufBuilder().Raw("weird.key", 99, []).Build());
        var error = Assert.Throws<InvalidDataException>(() => GgufFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("unknown GGUF value type 99", error.Message);
        Assert.Contains("weird.key", error.Message);
    }

    [Fact]
    public void UnsupportedPreTokenizerIsNamed()
    {
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "pre.gguf");
        File.WriteAllBytes(path, new GgufBuilder()
            .String("tokenizer.ggml.model", "gpt2")
            .String("tokenizer.ggml.pre", "martian")
            .Strings("tokenizer.ggml.tokens", ["a", "b"])
            .Strings("tokenizer.ggml.merges", [])
            .Build());
        var error = Assert.Throws<NotSupportedException>(() => StrataTokenizer.FromGguf(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'martian'", error.Message);
    }

    [Fact]
    public void UnsupportedTokenizerJsonModelIsNamed()
    {
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "tokenizer.json");
        File.WriteAllText(path, """{"model": {"type": "Unigram", "vocab": []}}""");
        var error = Assert.Throws<NotSupportedException>(() => StrataTokenizer.FromTokenizerJson(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'Unigram'", error.Message);
    }
}
