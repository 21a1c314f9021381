using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using Strata.Models.Tests.Support;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Tokenization;

public class BpeTrainerTests
{
    private static string Data(string name) => Path.Combine(TestPaths.SharedData, "bpe-training", name);

    private static BpeModel TrainReference() =>
        BpeTrainer.Train([File.ReadAllText(Data("corpus.en"))], new BpeTrainerOptions(500));

    [Fact]
    public void Merges_equal_the_reference_trainer_in_order()
    {
        // The reference file writes each merge as two GPT-2 byte-to-unicode strings separated by one space.
        string[] expected = File.ReadAllLines(Data("train-bpe-reference-merges.txt"))
            .Where(line => line.Length > 0)
            .ToArray();
        Assert.All(expected, line => Assert.Equal(2, line.Split(' ').Length));

        string[] actual = TrainReference().GetEncodedMerges().Select(m => m.Left + " " + m.Right).ToArray();

        Assert.Equal(243, expected.Length);
        for (int i = 0; i < Math.Min(expected.Length, actual.Length); i++)
        {
            Assert.True(expected[i] == actual[i], $"merge {i}: expected '{expected[i]}', got '{actual[i]}'");
        }
        Assert.Equal(expected.Length, actual.Length);
    }

    [Fact]
    public void Vocabulary_equals_the_reference_including_ids()
    {
        var expected = JsonSerializer.Deserialize<Dictionary<string, int>>(
            File.ReadAllText(Data("train-bpe-reference-vocab.json")))!;

        BpeModel model = TrainReference();
        var actual = model.GetEncodedVocabulary();

        Assert.Equal(500, model.VocabularySize);
        Assert.Equal(0, model.SpecialTokens["<|endoftext|>"]);
        Assert.Equal(expected.OrderBy(e => e.Value), actual.OrderBy(e => e.Value));
        // The merged tokens' bytes are the concatenation of their parts.
        foreach (var merge in model.Merges)
        {
            byte[] joined = [.. model.GetTokenBytes(merge.LeftId), .. model.GetTokenBytes(merge.RightId)];
            Assert.Equal(joined, model.GetTokenBytes(merge.MergedId).ToArray());
        }
    }

    /// <summary>Edge cases for encoding: emoji (astral, ZWJ), CJK, whitespace runs, contractions, specials.</summary>
    private static readonly string[] EncodingTexts =
    [
        "",
        "Hello world! The quick brown fox jumps over the lazy dog.",
        "Emoji: 👋🏽 🎉🎉 ❤️ 👨‍👩‍👧 done",
        "日本語のテキストと中文混合, 한국어도.",
        "a  b\t\t c\n\n\n  d   \r\n\u00a0e \u3000f  ",
        "don't we'll they're I'M it's 12345 3.14159 $100",
        "<|endoftext|>start and end<|endoftext|>",
    ];

    [Fact]
    public void Written_tokenizer_json_encodes_like_ML_Tokenizers_in_Hugging_Face_JS()
    {
        string[] corpus =
        [
            File.ReadAllText(Data("corpus.en")),
            File.ReadAllText(Data("tinystories_sample.txt")),
            File.ReadAllText(Data("german.txt")),
        ];
        BpeModel model = BpeTrainer.Train(corpus, new BpeTrainerOptions(800));
        string directory = TestPaths.NewTemporaryDirectory();
        string path = Path.Combine(directory, "tokenizer.json");
        model.SaveTokenizerJson(path);
        Assert.Single(Directory.GetFiles(directory)); // the temporary file was renamed, not left behind

        string[] texts =
        [
            .. EncodingTexts,
            File.ReadAllText(Data("tinystories_sample.txt")),
            File.ReadAllText(Data("german.txt")),
            File.ReadAllText(Data("address.txt")),
        ];
        string request = JsonSerializer.Serialize(new { tokenizer = path, texts });
        var hfIds = JsonSerializer.Deserialize<int[][]>(NodeTools.RunScript("hf-encode.mjs", request))!;

        var specials = model.SpecialTokens.ToDictionary(s => s.Key, s => s.Value);
        var options = new BpeOptions(model.GetEncodedVocabulary())
        {
            Merges = model.GetEncodedMerges().Select(m => m.Left + " " + m.Right).ToList(),
            ByteLevel = true,
            SpecialTokens = specials,
            PreTokenizer = new RegexPreTokenizer(new Regex(model.PreTokenizerPattern, RegexOptions.Compiled), specials),
        };
        var reference = BpeTokenizer.Create(options);

        Assert.Equal(texts.Length, hfIds.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            int[] expected = reference.EncodeToIds(texts[i]).ToArray();
            Assert.True(expected.SequenceEqual(hfIds[i]),
                $"text {i} {JsonSerializer.Serialize(texts[i][..Math.Min(40, texts[i].Length)])}: " +
                $"ML {JsonSerializer.Serialize(expected)} vs HF {JsonSerializer.Serialize(hfIds[i])}");
        }
        // Merges were really applied (not a byte-per-token fallback) and the special token kept its id.
        string story = File.ReadAllText(Data("tinystories_sample.txt"));
        Assert.True(hfIds[^3].Length < Encoding.UTF8.GetByteCount(story) / 2);
        Assert.Contains(0, hfIds[^3]);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void Empty_input_gives_the_initial_vocabulary_only()
    {
        foreach (string[] texts in new[] { Array.Empty<string>(), [""], ["<|endoftext|>", "x"] })
        {
            BpeModel model = BpeTrainer.Train(texts, new BpeTrainerOptions(300));
            Assert.Empty(model.Merges);
            Assert.Equal(257, model.VocabularySize);
            Assert.Equal("<|endoftext|>", model.GetTokenString(0));
            Assert.Equal("!", model.GetTokenString(1));
            Assert.Equal("Ġ", model.GetTokenString(221)); // the space byte sits where the reference puts it
        }
    }

    [Fact]
    public void Vocabulary_smaller_than_bytes_plus_specials_is_rejected()
    {
        var tooSmall = new BpeTrainerOptions(256);
        var error = Assert.Throws<ArgumentException>(() => BpeTrainer.Train(["abc"], tooSmall));
        Assert.Contains("VocabularySize 256", error.Message);
        Assert.Contains("257", error.Message);

        var twoSpecials = new BpeTrainerOptions(257) { SpecialTokens = ["<a>", "<b>"] };
        Assert.Throws<ArgumentException>(() => BpeTrainer.Train(["abc"], twoSpecials));
        Assert.Throws<ArgumentException>(() =>
            BpeTrainer.Train(["abc"], new BpeTrainerOptions(300) { SpecialTokens = ["<a>", "<a>"] }));
        Assert.Equal(257, BpeTrainer.Train(["abc"], new BpeTrainerOptions(257)).VocabularySize);
    }

    [Fact]
    public void Special_tokens_are_never_merged_across_or_into()
    {
        // Without splitting on the special token, "x<|endoftext|>y" has the pre-tokens "<|", "endoftext", "|>".
        var noMerges = BpeTrainer.Train(Enumerable.Repeat("x<|endoftext|>y", 50), new BpeTrainerOptions(300));
        Assert.Empty(noMerges.Merges);

        // Only "hello" is left once the special tokens (ids 0 and 1) are cut out: exactly four merges build it.
        var options = new BpeTrainerOptions(400) { SpecialTokens = ["[SEP]", "<|endoftext|>"] };
        var hello = BpeTrainer.Train(["hello[SEP]hello<|endoftext|>hello[SEP]"], options);
        Assert.Equal(4, hello.Merges.Count);
        Assert.Equal("hello", hello.GetTokenString(hello.Merges[^1].MergedId));
        Assert.Equal(new Dictionary<string, int> { ["[SEP]"] = 0, ["<|endoftext|>"] = 1 }, hello.SpecialTokens);
    }

    [Fact]
    public void Ties_go_to_the_lexicographically_greater_pair_of_byte_strings()
    {
        // Every pair occurs once; (b, c) is greater than (a, b) and merges first. Then "bc" with "a" ties with
        // nothing else left but (a, bc).
        var model = BpeTrainer.Train(["abc"], new BpeTrainerOptions(300));
        Assert.Equal(["b c", "a bc"], model.GetEncodedMerges().Select(m => m.Left + " " + m.Right));
    }

    [Fact]
    public void Incremental_merges_equal_a_naive_full_recount()
    {
        // A deliberately simple trainer (recount every pair after every merge) as the reference for the
        // incremental bookkeeping, on text with multi-byte characters and a special token, until pairs run out.
        string[] texts =
        [
            File.ReadAllText(Data("tinystories_sample.txt")),
            File.ReadAllText(Data("german.txt")) + "日本語のテキスト 日本語 👋🏽👋🏽 aaaa aaaaa abab ababab",
        ];
        var words = new List<(List<byte[]> Symbols, int Count)>();
        var distinct = texts.SelectMany(t => t.Split("<|endoftext|>"))
            .SelectMany(segment => Regex.Matches(segment, BpeModel.Gpt2Pattern).Select(m => m.Value))
            .GroupBy(w => w, StringComparer.Ordinal);
        foreach (var group in distinct)
        {
            words.Add((Encoding.UTF8.GetBytes(group.Key).Select(b => new[] { b }).ToList(), group.Count()));
        }
        var expected = new List<string>();
        while (true)
        {
            var counts = new Dictionary<(string, string), (byte[] L, byte[] R, int N)>();
            foreach (var (symbols, count) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    var key = (Convert.ToHexString(symbols[i]), Convert.ToHexString(symbols[i + 1]));
                    int before = counts.TryGetValue(key, out var seen) ? seen.N : 0;
                    counts[key] = (symbols[i], symbols[i + 1], before + count);
                }
            }
            if (counts.Count == 0) break;
            var best = counts.Values.MaxBy(v => v, Comparer<(byte[] L, byte[] R, int N)>.Create((a, b) =>
                a.N != b.N ? a.N.CompareTo(b.N)
                : a.L.AsSpan().SequenceCompareTo(b.L) is var byLeft and not 0 ? byLeft
                : a.R.AsSpan().SequenceCompareTo(b.R)));
            expected.Add(ByteLevelAlphabet.Encode(best.L) + " " + ByteLevelAlphabet.Encode(best.R));
            foreach (var (symbols, _) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    if (!symbols[i].SequenceEqual(best.L) || !symbols[i + 1].SequenceEqual(best.R)) continue;
                    symbols[i] = [.. best.L, .. best.R];
                    symbols.RemoveAt(i + 1);
                }
            }
        }

        var model = BpeTrainer.Train(texts, new BpeTrainerOptions(100_000));

        Assert.True(expected.Count > 500);
        Assert.Equal(expected, model.GetEncodedMerges().Select(m => m.Left + " " + m.Right));
    }

    [Fact]
    public void Counting_in_parallel_pieces_equals_counting_the_whole_text()
    {
        // Long enough to be cut into pieces, with whitespace runs and line feeds next to the cut points.
        string unit = File.ReadAllText(Data("corpus.en")) + "  \n\n  tail\t\n" + File.ReadAllText(Data("german.txt"));
        string text = string.Concat(Enumerable.Repeat(unit, 6)) + "<|endoftext|>end";
        Assert.True(text.Length > 2 * BpeTrainerPreTokenCounter.PieceChars);

        // Independent count: one regex pass over each special-token-free segment of the whole text.
        var expected = new Dictionary<string, long>();
        foreach (string segment in text.Split("<|endoftext|>"))
        {
            foreach (Match m in Regex.Matches(segment, BpeModel.Gpt2Pattern))
            {
                expected[m.Value] = expected.GetValueOrDefault(m.Value) + 1;
            }
        }

        var counter = new BpeTrainerPreTokenCounter(new BpeTrainerOptions(500));
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal),
            counter.Count([text], default).OrderBy(e => e.Key, StringComparer.Ordinal));

        string file = Path.Combine(TestPaths.NewTemporaryDirectory(), "corpus.txt");
        File.WriteAllText(file, text);
        Assert.True(counter.ReadPieces([file]).Count() > 1);
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal),
            counter.Count(counter.ReadPieces([file]), default).OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal(
            BpeTrainer.Train([text], new BpeTrainerOptions(400)).GetEncodedMerges(),
            BpeTrainer.TrainFromFiles([file], new BpeTrainerOptions(400)).GetEncodedMerges());
        File.Delete(file);
    }

    [Fact]
    public void Progress_ends_at_one_and_cancellation_stops_training()
    {
        var reports = new List<double>();
        BpeTrainer.Train([File.ReadAllText(Data("tinystories_sample.txt"))], new BpeTrainerOptions(400),
            new SynchronousProgress(reports.Add));
        Assert.Equal(0, reports[0]);
        Assert.Equal(1, reports[^1]);
        Assert.Equal(reports.Order(), reports);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            BpeTrainer.Train(["some text"], new BpeTrainerOptions(400), ct: cancelled.Token));
    }

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
