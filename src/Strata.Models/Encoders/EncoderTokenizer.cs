using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using Strata.Models.Gguf;
using Strata.Models.Tokenization;
using static Strata.Models.Tokenization.TokenizerJsonLoader;

namespace Strata.Models.Encoders;

/// <summary>An encoder's input: ids with [CLS]/[SEP] added, and each token's segment (0 first text, 1 second).</summary>
public sealed record EncodedInput(int[] InputIds, int[] TokenTypeIds);

/// <summary>
/// The WordPiece tokenizer of BERT-family encoders (bge, e5, MiniLM embedders; ms-marco and bge cross-encoders), giving
/// Hugging Face tokenizers' ids. WordPiece is Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/>; its normalizer and
/// pre-tokenizer are swapped for ports of Hugging Face's (theirs differ, see <see cref="HfBertNormalizer"/> and
/// <see cref="HfBertPreTokenizer"/>), and special tokens are cut out of the raw text first, as Hugging Face's added
/// vocabulary does. Thread-safe.
/// </summary>
public sealed class EncoderTokenizer
{
    // llama.cpp's token type for special tokens (tokenizer.ggml.token_type).
    private const int GgufControl = 3;

    private readonly BertTokenizer _bert;
    private readonly AddedTokenSplitter _specialTokens;
    private readonly bool[] _continuation; // by id: the piece carries the ##-prefix, so it does not begin a word

    private EncoderTokenizer(BertTokenizer bert, AddedTokenSplitter specialTokens, bool[] continuation, int? modelMaxLength)
    {
        _bert = bert;
        _specialTokens = specialTokens;
        _continuation = continuation;
        VocabularySize = continuation.Length;
        ModelMaxLength = modelMaxLength;
    }

    /// <summary>Highest id + 1.</summary>
    public int VocabularySize { get; }
    public int ClsTokenId => _bert.ClassificationTokenId;
    public int SepTokenId => _bert.SeparatorTokenId;
    public int PadTokenId => _bert.PaddingTokenId;
    public int UnknownTokenId => _bert.UnknownTokenId;

    /// <summary><c>model_max_length</c> from tokenizer_config.json, when it names a real limit.</summary>
    public int? ModelMaxLength { get; }

    /// <summary>What a tokenizer file describes; <see cref="Build"/> turns it into a tokenizer.</summary>
    private sealed record Settings(string Source, Dictionary<string, int> Vocabulary, bool Lowercase, bool StripAccents,
        bool ChineseChars, bool CleanText)
    {
        public string Unknown { get; init; } = "[UNK]";
        public string Cls { get; init; } = "[CLS]";
        public string Sep { get; init; } = "[SEP]";
        public string Pad { get; init; } = "[PAD]";
        public string Mask { get; init; } = "[MASK]";
        public string Prefix { get; init; } = "##";
        public int MaxInputCharsPerWord { get; init; } = 100;
        public int? ModelMaxLength { get; init; }

        /// <summary>Tokens matched in raw text; null means the five named ones.</summary>
        public IReadOnlyList<AddedToken>? SpecialTokens { get; init; }
    }

    /// <summary>
    /// A Hugging Face model folder: tokenizer.json (WordPiece model, BertNormalizer) when present, else vocab.txt with
    /// tokenizer_config.json (optional; transformers' BertTokenizer defaults apply without it).
    /// </summary>
    /// <exception cref="InvalidDataException">The files are missing or not a WordPiece tokenizer; the message names the file.</exception>
    public static EncoderTokenizer FromFolder(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string configPath = Path.Combine(directory, "tokenizer_config.json");
        using var configDocument = File.Exists(configPath) ? ParseJson(configPath) : null;
        var config = configDocument?.RootElement ?? default;
        string tokenizerJson = Path.Combine(directory, "tokenizer.json");
        Settings settings;
        try
        {
            settings = File.Exists(tokenizerJson) ? ReadTokenizerJson(tokenizerJson, config) : ReadVocabTxt(Path.Combine(directory, "vocab.txt"), config);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException)
        {
            // JsonElement's typed getters throw these when a value has another JSON type than tokenizer.json gives it.
            throw new InvalidDataException($"{tokenizerJson}: unexpected content ({e.Message})", e);
        }
        int? maxLength = config.ValueKind == JsonValueKind.Object && config.TryGetProperty("model_max_length", out var m)
            && m.ValueKind == JsonValueKind.Number && m.TryGetInt32(out int n) ? n : null; // "no limit" is written as 1e30
        return Build(settings with { ModelMaxLength = maxLength });
    }

    /// <summary>A GGUF file's <c>tokenizer.ggml.*</c> WordPiece vocabulary (<c>tokenizer.ggml.model = "bert"</c>).</summary>
    /// <remarks>llama.cpp always lower-cases (and so strips accents) for these vocabularies; so does this.</remarks>
    public static EncoderTokenizer FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string model = file.GetString("tokenizer.ggml.model") ?? throw new InvalidDataException($"{file.Path}: no tokenizer.ggml.model metadata.");
        if (model != "bert") throw new NotSupportedException($"{file.Path}: tokenizer.ggml.model is '{model}', not a WordPiece ('bert') vocabulary.");
        if (!file.TryGet("tokenizer.ggml.tokens", out string[] tokens))
            throw new InvalidDataException($"{file.Path}: tokenizer.ggml.tokens is missing or not a string array.");
        string[] vocab = [.. tokens.Select(FromPhantomSpace)];
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < vocab.Length; id++) vocabulary[vocab[id]] = id;
        string Named(string key, string fallback) => file.GetInteger(key) is long id && id >= 0 && id < vocab.Length ? vocab[id] : fallback;
        List<AddedToken>? control = file.TryGet("tokenizer.ggml.token_type", out int[] types) && types.Length == vocab.Length
            ? [.. Enumerable.Range(0, vocab.Length).Where(id => types[id] == GgufControl).Select(id => new AddedToken(vocab[id], id, Special: true))]
            : null;
        return Build(new Settings(file.Path, vocabulary, Lowercase: true, StripAccents: true, ChineseChars: true, CleanText: true)
        {
            Unknown = Named("tokenizer.ggml.unknown_token_id", "[UNK]"),
            Cls = Named("tokenizer.ggml.cls_token_id", "[CLS]"),
            Sep = Named("tokenizer.ggml.seperator_token_id", "[SEP]"), // sic: llama.cpp's spelling
            Pad = Named("tokenizer.ggml.padding_token_id", "[PAD]"),
            Mask = Named("tokenizer.ggml.mask_token_id", "[MASK]"),
            SpecialTokens = control,
        });
    }

    /// <summary>
    /// convert_hf_to_gguf.py stores WordPiece vocabularies in llama.cpp's "phantom space" form: a word-initial piece
    /// "word" as "▁word", a continuation "##ing" as "ing", bracketed tokens ([CLS], [unused0]) unchanged. This undoes it.
    /// </summary>
    private static string FromPhantomSpace(string token) =>
        token.StartsWith('\u2581') ? token[1..] : token.StartsWith('[') && token.EndsWith(']') ? token : "##" + token;

    private static Settings ReadVocabTxt(string path, JsonElement config)
    {
        if (!File.Exists(path))
            throw new InvalidDataException($"{path}: not found (a WordPiece tokenizer folder needs tokenizer.json or vocab.txt).");
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] lines = File.ReadAllLines(path);
        for (int id = 0; id < lines.Length; id++) vocabulary[lines[id]] = id; // a repeated token keeps its last id, as in transformers
        bool isObject = config.ValueKind == JsonValueKind.Object;
        bool lowercase = !isObject || Bool(config, "do_lower_case", true);
        bool? strip = isObject && config.TryGetProperty("strip_accents", out var s) && s.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? s.GetBoolean() : null;
        return new Settings(path, vocabulary, lowercase, strip ?? lowercase, !isObject || Bool(config, "tokenize_chinese_chars", true), CleanText: true)
        {
            Unknown = ConfigToken(config, "unk_token", "[UNK]"),
            Cls = ConfigToken(config, "cls_token", "[CLS]"),
            Sep = ConfigToken(config, "sep_token", "[SEP]"),
            Pad = ConfigToken(config, "pad_token", "[PAD]"),
            Mask = ConfigToken(config, "mask_token", "[MASK]"),
        };
    }

    private static Settings ReadTokenizerJson(string path, JsonElement config)
    {
        using var document = ParseJson(path);
        var root = document.RootElement;
        if (!root.TryGetProperty("model", out var model) || Str(model, "type") != "WordPiece" || !model.TryGetProperty("vocab", out var vocab))
            throw new InvalidDataException($"{path}: not a WordPiece tokenizer (model.type is '{(model.ValueKind == JsonValueKind.Object ? Str(model, "type") : null)}').");
        var vocabulary = vocab.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in addedJson.EnumerateArray())
            {
                added.Add(new AddedToken(Str(t, "content")!, t.GetProperty("id").GetInt32(), Bool(t, "special", false),
                    Bool(t, "lstrip", false), Bool(t, "rstrip", false)));
                vocabulary.TryAdd(added[^1].Content, added[^1].Id);
            }
        }

        // A null normalizer leaves the text as it is.
        var normalizer = root.TryGetProperty("normalizer", out var n) && n.ValueKind == JsonValueKind.Object ? n : default;
        if (normalizer.ValueKind == JsonValueKind.Object && Str(normalizer, "type") != "BertNormalizer")
            throw new NotSupportedException($"{path}: normalizer '{Str(normalizer, "type")}' (supported: BertNormalizer).");
        if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind == JsonValueKind.Object && Str(pre, "type") != "BertPreTokenizer")
            throw new NotSupportedException($"{path}: pre_tokenizer '{Str(pre, "type")}' (supported: BertPreTokenizer).");
        bool has = normalizer.ValueKind == JsonValueKind.Object;
        bool lowercase = has && Bool(normalizer, "lowercase", true);
        bool? strip = has && normalizer.TryGetProperty("strip_accents", out var s) && s.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? s.GetBoolean() : null;
        var (cls, sep) = ClsAndSep(root, path);
        return new Settings(path, vocabulary, lowercase, strip ?? lowercase, has && Bool(normalizer, "handle_chinese_chars", true),
            has && Bool(normalizer, "clean_text", true))
        {
            Unknown = Str(model, "unk_token") ?? "[UNK]",
            Prefix = Str(model, "continuing_subword_prefix") ?? "##",
            MaxInputCharsPerWord = model.TryGetProperty("max_input_chars_per_word", out var max) && max.ValueKind == JsonValueKind.Number ? max.GetInt32() : 100,
            Cls = cls,
            Sep = sep,
            Pad = ConfigToken(config, "pad_token", "[PAD]"),
            Mask = ConfigToken(config, "mask_token", "[MASK]"),
            SpecialTokens = added,
        };
    }

    /// <summary>[CLS] and [SEP] as the post-processor adds them: BertProcessing names them, a TemplateProcessing
    /// single-sequence template ([CLS] $A [SEP]) opens with one and closes with the other.</summary>
    private static (string Cls, string Sep) ClsAndSep(JsonElement root, string path)
    {
        if (!root.TryGetProperty("post_processor", out var p) || p.ValueKind != JsonValueKind.Object) return ("[CLS]", "[SEP]");
        switch (Str(p, "type"))
        {
            case "BertProcessing":
                return (p.GetProperty("cls")[0].GetString()!, p.GetProperty("sep")[0].GetString()!);
            case "TemplateProcessing":
                var special = p.GetProperty("single").EnumerateArray()
                    .Where(e => e.TryGetProperty("SpecialToken", out _)).Select(e => Str(e.GetProperty("SpecialToken"), "id")!).ToList();
                if (special.Count == 2) return (special[0], special[1]);
                break;
        }
        throw new NotSupportedException($"{path}: post_processor is not [CLS] $A [SEP] (BertProcessing or such a TemplateProcessing).");
    }

    /// <summary>A token named in tokenizer_config.json: a string, or an AddedToken object with its content.</summary>
    private static string ConfigToken(JsonElement config, string key, string fallback) =>
        config.ValueKind == JsonValueKind.Object && config.TryGetProperty(key, out var value)
            ? (value.ValueKind == JsonValueKind.String ? value.GetString() : Str(value, "content")) ?? fallback
            : fallback;

    private static EncoderTokenizer Build(Settings s)
    {
        foreach (string required in new[] { s.Cls, s.Sep, s.Unknown, s.Pad })
        {
            if (!s.Vocabulary.ContainsKey(required))
                throw new InvalidDataException($"{s.Source}: the vocabulary has no {required} token.");
        }
        if (s.Vocabulary.Values.Any(id => id < 0)) throw new InvalidDataException($"{s.Source}: negative token id.");

        // Microsoft.ML.Tokenizers reads a vocab.txt stream (id = line number; empty lines are skipped). A token with a line
        // break could never be matched anyway: words are split at whitespace.
        int size = s.Vocabulary.Values.Max() + 1;
        var lines = new string[size];
        Array.Fill(lines, "");
        foreach (var (token, id) in s.Vocabulary)
        {
            if (token.AsSpan().IndexOfAny('\r', '\n') < 0) lines[id] = token;
        }

        var special = s.SpecialTokens ?? [.. new[] { s.Pad, s.Unknown, s.Cls, s.Sep, s.Mask }.Distinct()
            .Where(s.Vocabulary.ContainsKey).Select(t => new AddedToken(t, s.Vocabulary[t], Special: true))];
        var options = new BertOptions
        {
            Normalizer = new HfBertNormalizer(s.CleanText, s.ChineseChars, s.StripAccents, s.Lowercase),
            PreTokenizer = new HfBertPreTokenizer(),
            // Special tokens are cut out of the raw text before normalization (Split below), as Hugging Face does; the
            // library's own matching runs after lower-casing, so it would also take "[cls]" for [CLS].
            SplitOnSpecialTokens = false,
            SpecialTokens = special.Where(t => t.Special).GroupBy(t => t.Content).ToDictionary(g => g.Key, g => g.First().Id), // skipped by Decode
            UnknownToken = s.Unknown,
            ClassificationToken = s.Cls,
            SeparatorToken = s.Sep,
            PaddingToken = s.Pad,
            MaskingToken = s.Vocabulary.ContainsKey(s.Mask) ? s.Mask : s.Unknown, // the library requires one; nothing here uses it
            ContinuingSubwordPrefix = s.Prefix,
            MaxInputCharsPerWord = s.MaxInputCharsPerWord,
        };
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines)));
        return new EncoderTokenizer(BertTokenizer.Create(stream, options), new AddedTokenSplitter(special),
            [.. lines.Select(t => t.StartsWith(s.Prefix, StringComparison.Ordinal))], s.ModelMaxLength);
    }

    /// <summary>The WordPiece ids of <paramref name="text"/>, without [CLS]/[SEP]; special-token text in it becomes its id.</summary>
    public IReadOnlyList<int> EncodeWords(string text) => EncodeWords(text, null);

    /// <summary>Ids, and when <paramref name="words"/> is given, each word's token count (a special token is a word).</summary>
    private List<int> EncodeWords(string text, List<(int Length, bool Special)>? words)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        foreach (var segment in _specialTokens.Split(text, includeSpecial: true))
        {
            if (segment.Text is null)
            {
                ids.Add(segment.TokenId);
                words?.Add((1, true));
                continue;
            }
            foreach (int id in _bert.EncodeToIds(segment.Text, addSpecialTokens: false))
            {
                ids.Add(id);
                if (words is null) continue;
                if (_continuation[id] && words.Count > 0) words[^1] = (words[^1].Length + 1, false);
                else words.Add((1, false));
            }
        }
        return ids;
    }

    /// <summary>[CLS] text [SEP], the text cut at the end to fit <paramref name="maxLength"/> (at least 2).</summary>
    public EncodedInput Encode(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        return WithSpecialTokens([.. EncodeWords(text).Take(maxLength - 2)], null);
    }

    /// <summary>[CLS] first [SEP] second [SEP] with token types 0 then 1, cut longest-first to fit <paramref name="maxLength"/> (at least 3).</summary>
    public EncodedInput EncodePair(string first, string second, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        List<(int, bool)> wordsA = [], wordsB = [];
        var a = EncodeWords(first, wordsA);
        var b = EncodeWords(second, wordsB);
        var (keepA, keepB) = LongestFirst(EarlyExitLength(wordsA, maxLength), EarlyExitLength(wordsB, maxLength), maxLength - 3);
        return WithSpecialTokens([.. a.Take(keepA)], [.. b.Take(keepB)]);
    }

    /// <summary>
    /// The length Hugging Face tokenizers 0.23 gives a sequence before it truncates: it stops tokenizing at the first word
    /// that brings the count to max_length (special tokens in the text do not stop it), an early exit added in
    /// huggingface/tokenizers#1990. longest_first then compares these lengths, so when both texts pass max_length the
    /// longer one can differ from earlier versions (one token moves across the [SEP]).
    /// </summary>
    private static int EarlyExitLength(List<(int Length, bool Special)> words, int maxLength)
    {
        int total = 0;
        foreach (var (length, special) in words)
        {
            total += length;
            if (!special && total >= maxLength) break;
        }
        return total;
    }

    /// <summary>
    /// Hugging Face tokenizers' longest_first truncation (utils/truncation.rs), which every fast tokenizer uses: the shorter
    /// sequence stays whole when the longer can absorb the whole cut; otherwise each gets half, the longer (the second on
    /// a tie) the odd token. transformers' slow tokenizers instead drop one token at a time from the longer, which on an
    /// odd budget can leave the odd token to the other sequence.
    /// </summary>
    private static (int First, int Second) LongestFirst(int first, int second, int budget)
    {
        if (first + second <= budget) return (first, second);
        int shorter = Math.Min(first, second);
        int longer = shorter > budget ? shorter : Math.Max(shorter, budget - shorter);
        if (shorter + longer > budget)
        {
            shorter = budget / 2;
            longer = shorter + budget % 2;
        }
        return first > second ? (longer, shorter) : (shorter, longer);
    }

    private EncodedInput WithSpecialTokens(List<int> first, List<int>? second) =>
        new([.. _bert.BuildInputsWithSpecialTokens(first, second)], [.. _bert.CreateTokenTypeIdsFromSequences(first, second)]);

    /// <summary>Text from ids, special tokens skipped; pieces joined WordPiece-style ("##" glued on). For debugging.</summary>
    public string Decode(IEnumerable<int> ids) => _bert.Decode(ids, skipSpecialTokens: true);
}
