using System.Text;
using System.Text.Json;
using Strata.Models.Encoders;
using Strata.Models.Gguf;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Tokenization;

/// <summary>
/// Tokenizer folders built once for <see cref="EncoderTokenizerTests"/> from the bge vocabulary in llama.cpp's
/// ggml-vocab-bert-bge.gguf: tokenizer.json files made by Hugging Face's tokenizers Rust core itself (tests/tools/
/// hf-bert-tokenizer.mjs, so the ids and settings are Hugging Face's), and vocab.txt + tokenizer_config.json folders.
/// </summary>
public sealed class BertBgeFolders
{
    private readonly Lazy<string> _vocab;
    private readonly Lazy<string> _uncasedJson, _casedJson, _uncasedTxt, _casedTxt;

    public BertBgeFolders()
    {
        Gguf = GgufFile.Read(VocabTestVectors.GgufPath("bert-bge"));
        // The GGUF keeps llama.cpp's phantom-space form ("▁word", "ing" for "##ing"); vocab.txt has the original tokens.
        _vocab = new(() => Gguf.TryGet("tokenizer.ggml.tokens", out string[] tokens)
            ? string.Join('\n', tokens.Select(t => t.StartsWith('\u2581') ? t[1..] : t.StartsWith('[') && t.EndsWith(']') ? t : "##" + t)) + "\n"
            : throw new InvalidDataException("no tokens"));
        // Built on first use, so that tests of the GGUF alone need no Node.
        _uncasedJson = new(() => Folder(null, hfLowercase: true));
        _casedJson = new(() => Folder(null, hfLowercase: false));
        _uncasedTxt = new(() => Folder("""{"do_lower_case": true, "model_max_length": 512}""", null));
        _casedTxt = new(() => Folder("""{"do_lower_case": false, "tokenizer_class": "BertTokenizer"}""", null));
    }

    public GgufFile Gguf { get; }
    public string UncasedJson => _uncasedJson.Value;
    public string CasedJson => _casedJson.Value;
    public string UncasedTxt => _uncasedTxt.Value;
    public string CasedTxt => _casedTxt.Value;

    private string Folder(string? config, bool? hfLowercase)
    {
        string dir = TestPaths.NewTemporaryDirectory();
        File.WriteAllText(Path.Combine(dir, "vocab.txt"), _vocab.Value);
        if (config is not null) File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), config);
        if (hfLowercase is bool lowercase)
        {
            NodeTools.RunScript("hf-bert-tokenizer.mjs", JsonSerializer.Serialize(new
            {
                vocab = Path.Combine(dir, "vocab.txt"),
                output = Path.Combine(dir, "tokenizer.json"),
                lowercase,
            }));
            File.Delete(Path.Combine(dir, "vocab.txt")); // the folder is read through tokenizer.json only
        }
        return dir;
    }
}

/// <summary>
/// <see cref="EncoderTokenizer"/> against llama.cpp's bert-bge test vectors (Hugging Face reference ids) and against
/// Hugging Face's tokenizers Rust core on real text, single texts and pairs, truncated and not.
/// </summary>
public class EncoderTokenizerTests(BertBgeFolders folders) : IClassFixture<BertBgeFolders>
{
    private sealed record RustResult(int[][] ids, int[][] type_ids, string[] decoded);

    private static RustResult RunRustCore(string folder, IReadOnlyList<object> inputs, bool addSpecialTokens, int? maxLength = null)
    {
        string request = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["tokenizer"] = Path.Combine(folder, "tokenizer.json"),
            ["texts"] = inputs,
            ["add_special_tokens"] = addSpecialTokens,
            ["max_length"] = maxLength,
        }.Where(p => p.Value is not null).ToDictionary());
        var result = JsonSerializer.Deserialize<RustResult>(NodeTools.RunScript("hf-rust-encode.mjs", request))!;
        Assert.Equal(inputs.Count, result.ids.Length);
        return result;
    }

    /// <summary>Characters where BERT normalization has corners: controls, format characters, whitespace kinds,
    /// accents (composed and not), Hangul, CJK ranges, title-case and symbol letters, İ, full-width forms, symbols.</summary>
    private static readonly string[] UnicodeTexts =
    [
        "a\tb\nc\rd\u000Be\u000Cf\u0085g\u2028h\u2029i\u00A0j\u3000k\u2009l",
        "zero\u200Bwidth\u200Djoiner soft\u00ADhyphen \uFEFFbom null\0char \uFFFDreplacement \uE000private",
        "Crème brûlée, naïve café, São Paulo, Ångström, Œuvre, ﬁnancial, ß, ǅemal, Ⅻ, Ⓐ, İstanbul, ΣΊΣΥΦΟΣ",
        "Cre\u0300me bru\u0302le\u0301e (decomposed) Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
        "한국어 텍스트, 안녕하세요 세계! ひらがな カタカナ 漢字 中文 㐀 䶵 𠀀 𪛖 𫝀 𬺰 豈 丽",
        "Привет мир! Ελληνικά κείμενα. العربية النص. עברית. हिन्दी पाठ। ไทย ภาษา",
        "snake_case x+y=z a<b>c ^caret `tick` |pipe| ~tilde ½ ⅓ ² © ® ™ € £ ¥ § ¶ • … — – « » „ “ ” ‘ ’",
        "emoji 🙂👍🏽 👩‍👩‍👧 🏳️‍🌈 🇺🇸 ❤️ 🥲 ✅ and math 𝔸𝕓𝒸 𝟘𝟙𝟚",
        "[CLS] literal special tokens [SEP] and [MASK] [UNK] [PAD], lowercase [cls] [sep] and [unused0]",
        new string('x', 99) + " " + new string('y', 100) + " " + new string('z', 101) + " " + string.Concat(Enumerable.Repeat("ab", 51)),
    ];

    private static IEnumerable<string> Paragraphs(string text, int maxChars) =>
        text.Replace("\r\n", "\n").Split("\n\n").Where(p => p.Trim().Length > 0).Take(1000)
            .Aggregate(new List<string>(), (list, p) => { if (list.Sum(x => x.Length) < maxChars) list.Add(p); return list; });

    /// <summary>About 16 KB of prose in 66 texts: Shakespeare, a German Wikipedia paragraph, GPT-4 answers (code, maths, lists).</summary>
    private static readonly Lazy<string[]> Prose = new(() =>
    [
        .. Paragraphs(File.ReadAllText(TestPaths.TinyShakespeare), 6000),
        .. Paragraphs(File.ReadAllText(Path.Combine(TestPaths.SharedData, "bpe-training", "german.txt")), 4000),
        .. File.ReadLines(Path.Combine(TestPaths.SharedData, "mt-bench", "mt_bench-reference_answer-gpt-4.jsonl")).Take(12)
            .SelectMany(line => JsonDocument.Parse(line).RootElement.GetProperty("choices")[0].GetProperty("turns").EnumerateArray())
            .Select(turn => turn.GetString()!),
    ]);

    private static string[] AllTexts => [.. HfReference.CommonTexts, .. UnicodeTexts, .. Prose.Value];

    [Fact]
    public void EncodesEveryBertBgeReferenceInputExactly()
    {
        var tokenizer = EncoderTokenizer.FromGguf(folders.Gguf);
        var vectors = VocabTestVectors.Load("bert-bge");
        Assert.True(vectors.Count >= 40, $"expected the full llama.cpp vector set, found {vectors.Count}");
        // The reference ids are Hugging Face's encode(text, add_special_tokens=False): no [CLS]/[SEP] anywhere.
        Assert.DoesNotContain(vectors, v => v.Ids.Contains(tokenizer.ClsTokenId) || v.Ids.Contains(tokenizer.SepTokenId));

        var failures = new StringBuilder();
        foreach (var (text, expected) in vectors)
        {
            int[] actual = [.. tokenizer.EncodeWords(text)];
            if (actual.SequenceEqual(expected))
                Assert.Equal([tokenizer.ClsTokenId, .. expected, tokenizer.SepTokenId], tokenizer.Encode(text, 512).InputIds);
            else
                failures.AppendLine($"input {GgufVocabConformanceTests.Escape(text)}\n  expected {string.Join(' ', expected)}\n  actual   {string.Join(' ', actual)}");
        }
        Assert.True(failures.Length == 0, $"bert-bge: inputs differ\n{failures}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MatchesHuggingFaceRustCoreOnRealText(bool lowercase)
    {
        string folder = lowercase ? folders.UncasedJson : folders.CasedJson;
        var tokenizer = EncoderTokenizer.FromFolder(folder);
        string[] texts = AllTexts;
        var words = RunRustCore(folder, texts, addSpecialTokens: false);
        var full = RunRustCore(folder, texts, addSpecialTokens: true, maxLength: 512);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.True(words.ids[i].SequenceEqual(tokenizer.EncodeWords(texts[i])),
                $"text {i} {GgufVocabConformanceTests.Escape(texts[i])}\n  hf     {string.Join(' ', words.ids[i])}\n  strata {string.Join(' ', tokenizer.EncodeWords(texts[i]))}");
            var encoded = tokenizer.Encode(texts[i], 512);
            Assert.Equal(full.ids[i], encoded.InputIds);
            Assert.Equal(full.type_ids[i], encoded.TokenTypeIds);
        }
        Assert.True(texts.Sum(t => t.Length) > 10_000);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EveryCodePointNormalizesAndSplitsLikeHuggingFace(bool lowercase)
    {
        // Each code point between letters and beside a space, 256 to a text: deletion, splitting, case and accents all show.
        string folder = lowercase ? folders.UncasedJson : folders.CasedJson;
        var tokenizer = EncoderTokenizer.FromFolder(folder);
        var texts = new List<string>();
        for (int block = 0; block < 0x110000; block += 256)
        {
            var text = new StringBuilder();
            for (int c = block; c < block + 256; c++)
            {
                if (c is >= 0xD800 and <= 0xDFFF) continue;
                text.Append('a').Append(char.ConvertFromUtf32(c)).Append("b ").Append(char.ConvertFromUtf32(c)).Append(' ');
            }
            texts.Add(text.ToString());
        }
        var hf = RunRustCore(folder, texts, addSpecialTokens: false);
        var differing = Enumerable.Range(0, texts.Count).Where(i => !hf.ids[i].SequenceEqual(tokenizer.EncodeWords(texts[i])))
            .Select(i => $"U+{i * 256:X4}").ToList();
        Assert.True(differing.Count == 0, $"blocks that differ: {string.Join(", ", differing)}");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(32)]
    [InlineData(64)]
    public void PairsTruncateLongestFirstLikeHuggingFace(int maxLength)
    {
        var tokenizer = EncoderTokenizer.FromFolder(folders.UncasedJson);
        string[] prose = Prose.Value;
        var pairs = new List<string[]>
        {
            new[] { "what is the capital of france?", "Paris is the capital and largest city of France." },
            new[] { "", "only a second text" },
            new[] { "only a first text", "" },
            new[] { "one two three four five six", "one two three four five six" },
            // Special tokens in the text count towards max_length but do not end the early exit (EncoderTokenizer.EarlyExitLength).
            new[] { string.Concat(Enumerable.Repeat("word ", 13)) + "[SEP] [SEP] [SEP] tokenization " + string.Concat(Enumerable.Repeat("x ", 40)), string.Concat(Enumerable.Repeat("y ", 70)) },
            new[] { string.Concat(Enumerable.Repeat("y ", 33)), string.Concat(Enumerable.Repeat("word ", 30)) + "[MASK] unbelievably " + string.Concat(Enumerable.Repeat("x ", 40)) },
        };
        for (int i = 0; i + 1 < prose.Length; i += 2) pairs.Add([prose[i], prose[i + 1]]);
        for (int i = 0; i + 1 < prose.Length; i += 3) pairs.Add([prose[i][..Math.Min(40, prose[i].Length)], prose[i + 1]]);

        var hf = RunRustCore(folders.UncasedJson, pairs, addSpecialTokens: true, maxLength);
        var single = RunRustCore(folders.UncasedJson, prose, addSpecialTokens: true, maxLength);
        for (int i = 0; i < pairs.Count; i++)
        {
            var encoded = tokenizer.EncodePair(pairs[i][0], pairs[i][1], maxLength);
            Assert.True(hf.ids[i].SequenceEqual(encoded.InputIds), $"pair {i} ({tokenizer.EncodeWords(pairs[i][0]).Count} + {tokenizer.EncodeWords(pairs[i][1]).Count} tokens)\n  hf     {string.Join(' ', hf.ids[i])}\n  strata {string.Join(' ', encoded.InputIds)}");
            Assert.Equal(hf.type_ids[i], encoded.TokenTypeIds);
        }
        for (int i = 0; i < prose.Length; i++) Assert.Equal(single.ids[i], tokenizer.Encode(prose[i], maxLength).InputIds);
    }

    [Fact]
    public void EveryWayToLoadTheVocabularyGivesTheSameIds()
    {
        var fromGguf = EncoderTokenizer.FromGguf(folders.Gguf);
        var uncasedJson = EncoderTokenizer.FromFolder(folders.UncasedJson);
        var uncasedTxt = EncoderTokenizer.FromFolder(folders.UncasedTxt);
        var casedJson = EncoderTokenizer.FromFolder(folders.CasedJson);
        var casedTxt = EncoderTokenizer.FromFolder(folders.CasedTxt);
        foreach (string text in AllTexts)
        {
            var expected = uncasedJson.EncodeWords(text);
            Assert.Equal(expected, fromGguf.EncodeWords(text));
            Assert.Equal(expected, uncasedTxt.EncodeWords(text));
            Assert.Equal(casedJson.EncodeWords(text), casedTxt.EncodeWords(text));
        }
        Assert.NotEqual(uncasedTxt.EncodeWords("Hello World"), casedTxt.EncodeWords("Hello World"));

        foreach (var tokenizer in new[] { fromGguf, uncasedJson, uncasedTxt, casedJson, casedTxt })
        {
            Assert.Equal(30522, tokenizer.VocabularySize);
            Assert.Equal((101, 102, 0, 100), (tokenizer.ClsTokenId, tokenizer.SepTokenId, tokenizer.PadTokenId, tokenizer.UnknownTokenId));
        }
        Assert.Equal(512, uncasedTxt.ModelMaxLength);
        Assert.Null(uncasedJson.ModelMaxLength);
        Assert.Null(fromGguf.ModelMaxLength);
    }

    [Fact]
    public void SpecialTokensInTextAreMatchedCaseSensitivelyAndDecodeSkipsThem()
    {
        var tokenizer = EncoderTokenizer.FromGguf(folders.Gguf);
        Assert.Equal([101, 7592, 102, 2088], tokenizer.EncodeWords("[CLS] Hello [SEP] world"));
        Assert.Equal(tokenizer.EncodeWords("[ cls ]"), tokenizer.EncodeWords("[cls]")); // only the exact text is the token
        var encoded = tokenizer.Encode("Hello, world! Führer, naïve [MASK] tokenization.", 64);
        Assert.Equal("hello, world! fuhrer, naive tokenization.", tokenizer.Decode(encoded.InputIds));
    }

    [Fact]
    public void TruncationKeepsClsAndSepWithinMaxLength()
    {
        var tokenizer = EncoderTokenizer.FromGguf(folders.Gguf);
        string longText = string.Join(' ', Prose.Value.Take(20));
        string[] seconds = ["", "short", longText, "x y z"];
        for (int max = 2; max <= 40; max++)
        {
            var single = tokenizer.Encode(longText, max).InputIds;
            Assert.Equal(max, single.Length);
            Assert.Equal(tokenizer.ClsTokenId, single[0]);
            Assert.Equal(tokenizer.SepTokenId, single[^1]);
            if (max < 3) continue;
            foreach (string second in seconds)
            {
                foreach (var (a, b) in new[] { (longText, second), (second, longText) })
                {
                    var pair = tokenizer.EncodePair(a, b, max);
                    Assert.True(pair.InputIds.Length <= max);
                    Assert.Equal(pair.InputIds.Length, pair.TokenTypeIds.Length);
                    Assert.Equal(tokenizer.ClsTokenId, pair.InputIds[0]);
                    Assert.Equal(tokenizer.SepTokenId, pair.InputIds[^1]);
                    int firstSep = Array.IndexOf(pair.InputIds, tokenizer.SepTokenId);
                    Assert.Equal(2, pair.InputIds.Count(id => id == tokenizer.SepTokenId));
                    Assert.All(pair.TokenTypeIds[..(firstSep + 1)], t => Assert.Equal(0, t));
                    Assert.All(pair.TokenTypeIds[(firstSep + 1)..], t => Assert.Equal(1, t));
                }
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("x", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.EncodePair("x", "y", 2));
    }

    [Fact]
    public void BadFoldersNameTheFile()
    {
        string missing = Path.Combine(TestPaths.NewTemporaryDirectory(), "absent");
        Assert.Contains(Path.Combine(missing, "vocab.txt"), Assert.Throws<InvalidDataException>(() => EncoderTokenizer.FromFolder(missing)).Message);

        string noCls = TestPaths.NewTemporaryDirectory();
        File.WriteAllText(Path.Combine(noCls, "vocab.txt"), "[PAD]\n[UNK]\n[SEP]\nhello\n");
        var error = Assert.Throws<InvalidDataException>(() => EncoderTokenizer.FromFolder(noCls));
        Assert.Contains(Path.Combine(noCls, "vocab.txt"), error.Message);
        Assert.Contains("[CLS]", error.Message);

        string notJson = TestPaths.NewTemporaryDirectory();
        File.WriteAllText(Path.Combine(notJson, "tokenizer.json"), "{ not json");
        Assert.Contains(Path.Combine(notJson, "tokenizer.json"), Assert.Throws<InvalidDataException>(() => EncoderTokenizer.FromFolder(notJson)).Message);

        string bpe = TestPaths.NewTemporaryDirectory();
        File.WriteAllText(Path.Combine(bpe, "tokenizer.json"), """{"model": {"type": "BPE", "vocab": {}, "merges": []}}""");
        Assert.Contains(Path.Combine(bpe, "tokenizer.json"), Assert.Throws<InvalidDataException>(() => EncoderTokenizer.FromFolder(bpe)).Message);

        string wrongTypes = TestPaths.NewTemporaryDirectory();
        File.WriteAllText(Path.Combine(wrongTypes, "tokenizer.json"), """{"model": {"type": "WordPiece", "vocab": {"[CLS]": "zero"}}}""");
        Assert.Contains(Path.Combine(wrongTypes, "tokenizer.json"), Assert.Throws<InvalidDataException>(() => EncoderTokenizer.FromFolder(wrongTypes)).Message);

        string badConfig = TestPaths.NewTemporaryDirectory();
        File.WriteAllText(Path.Combine(badConfig, "tokenizer_config.json"), "[1,");
        Assert.Contains(Path.Combine(badConfig, "tokenizer_config.json"),
            Assert.Throws<InvalidDataException>(() => EncoderTokenizer.FromFolder(badConfig)).Message);

        string gpt2 = VocabTestVectors.GgufPath("gpt-2");
        Assert.Contains(gpt2, Assert.Throws<NotSupportedException>(() => EncoderTokenizer.FromGguf(GgufFile.Read(gpt2))).Message);
    }
}
