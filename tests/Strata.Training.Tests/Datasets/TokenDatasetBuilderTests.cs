using System.Text;
using Strata.Training.Datasets;
using static Strata.Training.Tests.Datasets.DataTestSupport;

namespace Strata.Training.Tests.Datasets;

public sealed class TokenDatasetBuilderTests
{
    [Fact]
    public void TinyShakespeare_splits_at_nanoGPT_boundary_and_round_trips()
    {
        string input = TestPaths.TinyShakespeare;
        string text = File.ReadAllText(input);
        // Tiny Shakespeare is ASCII, so UTF-16 chars = code points = bytes = Python characters.
        Assert.All(text, c => Assert.True(c < 128));
        int n = text.Length;
        int k = (int)(n * 0.9); // nanoGPT: train_data = data[:int(n*0.9)]
        string output = NewDirectory();
        var progress = new RecordingProgress();

        var info = Build([input], output, progress: progress);

        int eos = EndOfText;
        var train = ReadRaw(Path.Combine(output, "train.bin"), 2);
        var validation = ReadRaw(Path.Combine(output, "val.bin"), 2);
        Assert.Equal(text[..k], Tokenizer.Decode(train.Where(id => id != eos)));
        Assert.Equal(text[k..], Tokenizer.Decode(validation.Where(id => id != eos)));
        // Independent encoding of nanoGPT's two halves; the single document ends in validation, so one end-of-text.
        Assert.Equal(Encode(text[..k]), train);
        Assert.Equal([.. Encode(text[k..]), eos], validation);
        Assert.Equal(TokenDType.UInt16, info.DType);
        Assert.Equal((train.Count, validation.Count), (info.TrainTokens, info.ValidationTokens));
        Assert.Equal((long)k, info.TrainCharacters);
        Assert.Equal((long)(n - k), info.ValidationCharacters);
        Assert.Equal((long)(n - k), info.ValidationBytes);
        Assert.Equal(1, info.Documents);
        Assert.Equal(new FileInfo(input).Length, Assert.Single(info.Sources).SizeBytes);
        Assert.Equal(1.0, progress.Values[^1]);
        Assert.True(progress.Values.SequenceEqual(progress.Values.Order()), "progress must not go backwards");

        using var dataset = TokenDataset.Open(output);
        Assert.Equal(train.Select(id => (long)id), dataset.Train.ReadAll());
        Assert.Equal(validation.Select(id => (long)id), dataset.Validation.ReadAll());
    }

    [Fact]
    public void Split_cuts_a_document_by_code_points_and_separates_documents_with_end_of_text()
    {
        string directory = NewDirectory();
        string[] documents =
        [
            "First document 🙂 with an emoji outside the BMP.",
            "Second: the text <|endoftext|> is typed here, then 日本語 and 🙂🙂 and more words to cut through.",
            "Third document\nfrom a text file.",
        ];
        string jsonl = Path.Combine(directory, "docs.jsonl");
        File.WriteAllText(jsonl, string.Join("\n",
            System.Text.Json.JsonSerializer.Serialize(new { text = documents[0] }),
            "",
            System.Text.Json.JsonSerializer.Serialize(new { text = "" }), // empty: skipped, no end-of-text
            System.Text.Json.JsonSerializer.Serialize(new { text = documents[1], source = "ignored" })) + "\n");
        string txt = Path.Combine(directory, "third.txt");
        File.WriteAllText(txt, documents[2]);
        const double fraction = 0.55;
        string all = string.Concat(documents);
        long n = CodePoints(all);
        long k = (long)Math.Floor(n * (1 - fraction));
        long start2 = CodePoints(documents[0]), end2 = start2 + CodePoints(documents[1]);
        Assert.InRange(k, start2 + 1, end2 - 1); // the test needs the split inside the second document
        string head = SliceCodePoints(documents[1], 0, k - start2), tail = SliceCodePoints(documents[1], k - start2, end2 - start2);

        string output = Path.Combine(directory, "out");
        var info = Build([jsonl, txt], output, fraction);

        int eos = EndOfText;
        Assert.Equal([.. Encode(documents[0]), eos, .. Encode(head)], ReadRaw(Path.Combine(output, "train.bin"), 2));
        Assert.Equal([.. Encode(tail), eos, .. Encode(documents[2]), eos], ReadRaw(Path.Combine(output, "val.bin"), 2));
        Assert.Equal(k, info.TrainCharacters);
        Assert.Equal(n - k, info.ValidationCharacters);
        Assert.Equal(Encoding.UTF8.GetByteCount(tail + documents[2]), info.ValidationBytes);
        Assert.Equal(3, info.Documents);
        Assert.Equal(2, info.Sources.Count);
    }

    [Fact]
    public void Special_token_text_in_documents_never_becomes_a_special_id()
    {
        string directory = NewDirectory();
        string input = Path.Combine(directory, "special.txt");
        File.WriteAllText(input, "a <|endoftext|> b <|im_start|>user<|im_end|> c");
        var special = Tokenizer.SpecialTokens.Values.ToHashSet();
        Assert.NotEmpty(special);

        Build([input], Path.Combine(directory, "out"), validationFraction: 0);

        var train = ReadRaw(Path.Combine(directory, "out", "train.bin"), 2);
        Assert.Equal(EndOfText, train[^1]);
        Assert.DoesNotContain(train.SkipLast(1), special.Contains);
        Assert.Empty(ReadRaw(Path.Combine(directory, "out", "val.bin"), 2));
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("[\"text\", \"a list\"]")]
    [InlineData("{\"txt\": \"wrong key\"}")]
    [InlineData("{\"text\": 42}")]
    [InlineData("{\"text\": \"unterminated}")]
    public void Bad_jsonl_line_reports_file_and_line(string badLine)
    {
        string directory = NewDirectory();
        string input = Path.Combine(directory, "bad.jsonl");
        File.WriteAllText(input, "{\"text\": \"fine\"}\n   \n" + badLine + "\n{\"text\": \"also fine\"}\n");
        string output = Path.Combine(directory, "out");

        var error = Assert.Throws<InvalidDataException>(() => Build([input], output));

        Assert.StartsWith($"{input}:3: ", error.Message);
        Assert.False(File.Exists(Path.Combine(output, "meta.json")));
    }

    [Fact]
    public void Missing_input_throws_FileNotFound_naming_it()
    {
        string missing = Path.Combine(NewDirectory(), "nope.txt");
        var error = Assert.Throws<FileNotFoundException>(() => Build([missing], NewDirectory()));
        Assert.Equal(missing, error.FileName);
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void Unsupported_extension_and_bad_end_of_text_id_are_rejected()
    {
        string directory = NewDirectory();
        string csv = Path.Combine(directory, "data.csv");
        File.WriteAllText(csv, "a,b");
        Assert.Contains("data.csv", Assert.Throws<ArgumentException>(() => Build([csv], directory)).Message);
        string txt = Path.Combine(directory, "a.txt");
        File.WriteAllText(txt, "hello");
        Assert.Throws<ArgumentException>(() => TokenDatasetBuilder.Build([txt], Tokenizer, Tokenizer.VocabularySize, directory, new PretrainDataOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Build([txt], directory, validationFraction: 1.5));
    }

    [Fact]
    public void Invalid_utf8_is_rejected_naming_the_file()
    {
        string directory = NewDirectory();
        string input = Path.Combine(directory, "broken.txt");
        File.WriteAllBytes(input, [(byte)'o', (byte)'k', 0xC3, 0x28]);
        var error = Assert.Throws<InvalidDataException>(() => Build([input], Path.Combine(directory, "out")));
        Assert.Contains(input, error.Message);
    }

    [Fact]
    public void Large_vocabulary_writes_uint32_with_the_same_tokens()
    {
        string directory = NewDirectory();
        string input = Path.Combine(directory, "doc.txt");
        File.WriteAllText(input, "To be, or not to be, that is the question. 🙂");
        string small = Path.Combine(directory, "u16"), large = Path.Combine(directory, "u32");
        var options = new PretrainDataOptions { ValidationFraction = 0.3 };

        var info16 = TokenDatasetBuilder.Build([input], Tokenizer, EndOfText, small, options);
        var info32 = TokenDatasetBuilder.Build([input], Tokenizer, EndOfText, large, options, vocabularySize: 70_000, null, default);

        Assert.Equal(TokenDType.UInt16, info16.DType);
        Assert.Equal(TokenDType.UInt32, info32.DType);
        Assert.Equal(70_000, info32.VocabularySize);
        foreach (string name in new[] { "train.bin", "val.bin" })
        {
            var expected = ReadRaw(Path.Combine(small, name), 2);
            Assert.NotEmpty(expected);
            Assert.Equal(expected.Count * 4L, new FileInfo(Path.Combine(large, name)).Length);
            Assert.Equal(expected, ReadRaw(Path.Combine(large, name), 4));
        }
        using var dataset = TokenDataset.Open(large);
        Assert.Equal(TokenDType.UInt32, dataset.Train.DType);
        Assert.Equal(ReadRaw(Path.Combine(large, "train.bin"), 4).Select(id => (long)id), dataset.Train.ReadAll());
    }

    [Fact]
    public void Cancelled_build_leaves_no_dataset()
    {
        string directory = NewDirectory();
        string input = Path.Combine(directory, "doc.txt");
        File.WriteAllText(input, "some text");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        string output = Path.Combine(directory, "out");
        Assert.ThrowsAny<OperationCanceledException>(() => Build([input], output, ct: cancelled.Token));
        Assert.False(File.Exists(Path.Combine(output, "meta.json")));
    }
}
