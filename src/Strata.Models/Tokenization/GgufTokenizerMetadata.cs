using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Strata.Models.Tokenization;

/// <summary>What a model folder adds to its tokenizer in GGUF: chat templates, BOS/EOS policy, special ids.</summary>
public sealed record GgufTokenizerOptions
{
    /// <summary><c>tokenizer.chat_template</c> (the default Jinja template).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Named templates (Command R's <c>rag</c>, <c>tool_use</c>), written as <c>tokenizer.chat_template.NAME</c>.</summary>
    public IReadOnlyDictionary<string, string> NamedChatTemplates { get; init; } = new Dictionary<string, string>();

    /// <summary><c>tokenizer.ggml.add_bos_token</c>; null writes none (SentencePiece tokenizers default to true).</summary>
    public bool? AddBosToken { get; init; }

    /// <summary><c>tokenizer.ggml.add_eos_token</c>; null writes none.</summary>
    public bool? AddEosToken { get; init; }

    /// <summary>Overrides the tokenizer's own BOS id (e.g. from config.json when tokenizer_config.json names none).</summary>
    public int? BosTokenId { get; init; }

    /// <summary>Overrides the tokenizer's own EOS id.</summary>
    public int? EosTokenId { get; init; }

    /// <summary><c>tokenizer.ggml.padding_token_id</c>.</summary>
    public int? PaddingTokenId { get; init; }

    /// <summary>Pads the token list to this many entries (a model's vocab_size beyond its tokenizer), as
    /// convert_hf_to_gguf.py does with <c>[PADn]</c> tokens of type UNUSED.</summary>
    public int? VocabularySize { get; init; }
}

/// <summary>
/// Writes a <see cref="StrataTokenizer"/> as the GGUF <c>tokenizer.*</c> metadata llama.cpp loads (and
/// <see cref="StrataTokenizer.FromGguf(string)"/> reads back): byte-level BPE as <c>tokenizer.ggml.model = "gpt2"</c> with
/// tokens, token types, merges and the llama.cpp pre-tokenizer whose regexes equal the tokenizer's; SentencePiece-style
/// BPE as <c>"llama"</c> with tokens, scores and types.
/// </summary>
/// <remarks>
/// Token types follow llama.cpp: 1 normal, 2 unknown, 3 control (special added tokens), 4 user-defined (other added
/// tokens), 5 unused (padding ids), 6 byte (<c>&lt;0xXX&gt;</c>). SentencePiece scores are derived from the merge ranks
/// (−rank of the first merge that makes the token), which gives the same merge order.
/// An NFC normalizer (Qwen2) is dropped, as llama.cpp drops it; text that is not in NFC then tokenizes differently.
/// </remarks>
public static partial class GgufTokenizerMetadata
{
    private const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, ByteToken = 6;

    // Names tried in order; several llama.cpp names share a regex, and the first listed is the one convert_hf_to_gguf.py
    // would write for the best-known model with it.
    private static readonly string[] PreTokenizerNames =
    [
        "gpt-2", "llama-bpe", "qwen2", "smollm", "smaug-bpe", "deepseek-llm", "deepseek-coder", "falcon", "default",
    ];

    [GeneratedRegex(@"<0x[0-9A-Fa-f]{2}>", RegexOptions.CultureInvariant)]
    private static partial Regex BytePiece();

    /// <summary>The <c>tokenizer.*</c> entries for <paramref name="tokenizer"/>.</summary>
    /// <exception cref="NotSupportedException">The tokenizer's pre-tokenizer or normalizer has no llama.cpp equivalent; the
    /// message names <paramref name="source"/> and what differs.</exception>
    public static IReadOnlyList<KeyValuePair<string, object>> Create(StrataTokenizer tokenizer, GgufTokenizerOptions? options = null,
        string source = "tokenizer")
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        options ??= new GgufTokenizerOptions();
        var parts = tokenizer.Parts;
        bool byteLevel = parts.Decoder == DecoderKind.ByteLevel;
        int size = Math.Max(options.VocabularySize ?? 0, parts.IdToToken.Length);
        var tokens = new string[size];
        var types = new int[size];
        var added = parts.AddedTokens.ToDictionary(t => t.Id);
        for (int id = 0; id < size; id++)
        {
            string? token = id < parts.IdToToken.Length ? parts.IdToToken[id] : null;
            tokens[id] = token ?? $"[PAD{id}]";
            types[id] = token is null ? Unused
                : added.TryGetValue(id, out var a) ? (a.Special ? Control : UserDefined)
                : id == parts.Model.UnknownId ? Unknown
                : !byteLevel && BytePiece().IsMatch(token) && token.Length == 6 ? ByteToken
                : Normal;
        }

        var entries = new List<KeyValuePair<string, object>>();
        void Add(string key, object value) => entries.Add(new(key, value));
        if (byteLevel)
        {
            string pre = PreTokenizerName(parts, source);
            Add("tokenizer.ggml.model", "gpt2");
            Add("tokenizer.ggml.pre", pre);
            Add("tokenizer.ggml.tokens", tokens);
            Add("tokenizer.ggml.token_type", types);
            Add("tokenizer.ggml.merges", parts.Model.Merges().Select(m => tokens[m.LeftId] + " " + tokens[m.RightId]).ToArray());
        }
        else
        {
            bool spacePrefix = SentencePieceSpacePrefix(parts, source);
            Add("tokenizer.ggml.model", "llama");
            Add("tokenizer.ggml.tokens", tokens);
            Add("tokenizer.ggml.scores", Scores(parts, size));
            Add("tokenizer.ggml.token_type", types);
            Add("tokenizer.ggml.add_space_prefix", spacePrefix);
        }
        if ((options.BosTokenId ?? parts.BosTokenId) is int bos) Add("tokenizer.ggml.bos_token_id", (uint)bos);
        if ((options.EosTokenId ?? parts.EosTokenId) is int eos) Add("tokenizer.ggml.eos_token_id", (uint)eos);
        if (parts.Model.UnknownId is int unknown) Add("tokenizer.ggml.unknown_token_id", (uint)unknown);
        if (options.PaddingTokenId is int padding) Add("tokenizer.ggml.padding_token_id", (uint)padding);
        if ((options.AddBosToken ?? (byteLevel ? null : true)) is bool addBos) Add("tokenizer.ggml.add_bos_token", addBos);
        if (options.AddEosToken is bool addEos) Add("tokenizer.ggml.add_eos_token", addEos);
        if (options.ChatTemplate is string template) Add("tokenizer.chat_template", template);
        foreach (var (name, body) in options.NamedChatTemplates.Where(t => t.Key != "default").OrderBy(t => t.Key, StringComparer.Ordinal))
            Add($"tokenizer.chat_template.{name}", body);
        return entries;
    }

    /// <summary>
    /// Options from a model folder's <c>tokenizer_config.json</c> (absent: defaults): <c>chat_template</c> (a string, or
    /// a list of named templates whose "default" is the main one), <c>add_bos_token</c>, <c>add_eos_token</c> and
    /// <c>pad_token</c> (looked up in <paramref name="tokenizer"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON; the message names it.</exception>
    public static GgufTokenizerOptions ReadOptions(string modelDirectory, StrataTokenizer tokenizer)
    {
        string path = Path.Combine(modelDirectory, "tokenizer_config.json");
        if (!File.Exists(path)) return new GgufTokenizerOptions();
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        string? template = null;
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (root["chat_template"])
        {
            case JsonValue value when value.TryGetValue(out string? text):
                template = text;
                break;
            case JsonArray list:
                foreach (var entry in list.OfType<JsonObject>())
                {
                    if (entry["name"]?.GetValue<string>() is string name && entry["template"]?.GetValue<string>() is string body) named[name] = body;
                }
                template = named.GetValueOrDefault("default");
                break;
        }
        string? padText = root["pad_token"] switch
        {
            JsonValue v when v.TryGetValue(out string? t) => t,
            JsonObject o => o["content"]?.GetValue<string>(),
            _ => null,
        };
        return new GgufTokenizerOptions
        {
            ChatTemplate = template,
            NamedChatTemplates = named,
            AddBosToken = Flag(root, "add_bos_token"),
            AddEosToken = Flag(root, "add_eos_token"),
            PaddingTokenId = padText is null ? null : tokenizer.TokenToId(padText),
        };
    }

    private static bool? Flag(JsonObject root, string key) =>
        root[key] is JsonValue v && v.TryGetValue(out bool b) ? b : null;

    /// <summary>The llama.cpp pre-tokenizer name whose regexes (and <c>ignore_merges</c>) equal this tokenizer's.</summary>
    private static string PreTokenizerName(TokenizerParts parts, string source)
    {
        var patterns = new List<string>();
        foreach (var step in parts.PreTokenizer.Steps)
        {
            switch (step)
            {
                case SplitStep { Behavior: SplitBehavior.Isolated, Invert: false } split:
                    patterns.Add(Canonical(split.Pattern.ToString()));
                    break;
                case NormalizeStep { Form: System.Text.NormalizationForm.FormC } when patterns.Count == 0:
                    break; // llama.cpp applies no normalizer; NFC changes nothing for text already in NFC.
                case PrefixStep:
                    throw new NotSupportedException($"{source}: the tokenizer adds a prefix space (ByteLevel add_prefix_space), which llama.cpp's BPE tokenizer never does");
                default:
                    throw new NotSupportedException($"{source}: pre-tokenizer step {step.GetType().Name} has no llama.cpp equivalent");
            }
        }
        foreach (string name in PreTokenizerNames)
        {
            var candidate = GgufPreTokenizers.Patterns(name)!.Select(Canonical);
            if (candidate.SequenceEqual(patterns) && GgufPreTokenizers.IgnoresMerges(name) == parts.Model.IgnoresMerges) return name;
        }
        throw new NotSupportedException(
            $"{source}: no llama.cpp pre-tokenizer splits text as this tokenizer does (regexes: {string.Join(" then ", patterns.Select(p => $"/{p}/"))}"
            + $"{(parts.Model.IgnoresMerges ? ", ignore_merges" : "")}); llama.cpp would tokenize it differently");
    }

    /// <summary>Spellings of one regex that match the same text at every position.</summary>
    private static string Canonical(string pattern) =>
        pattern.Replace(@"'(?:[sdmt]|ll|ve|re)", @"'s|'t|'re|'ve|'m|'ll|'d", StringComparison.Ordinal);

    /// <summary>Accepts exactly what llama.cpp's SentencePiece path does: spaces as ▁ and, optionally, one ▁ in front.</summary>
    private static bool SentencePieceSpacePrefix(TokenizerParts parts, string source)
    {
        bool replace = false, prefix = false;
        foreach (var step in parts.PreTokenizer.Steps)
        {
            switch (step)
            {
                case ReplaceStep { Old: " ", New: "\u2581" }:
                    replace = true;
                    break;
                case PrefixStep { Prefix: "\u2581", OnlyFirstSegment: false, SkipIfPresent: false }:
                    prefix = true;
                    break;
                default:
                    throw new NotSupportedException(
                        $"{source}: SentencePiece step {step} differs from llama.cpp's (spaces as ▁, an optional ▁ prefix on every text)");
            }
        }
        if (!replace) throw new NotSupportedException($"{source}: a SentencePiece-style tokenizer must turn spaces into ▁ for llama.cpp");
        return prefix;
    }

    /// <summary>−rank of the first merge producing each token; tokens no merge produces get lower scores than any merge.</summary>
    private static float[] Scores(TokenizerParts parts, int size)
    {
        var scores = new float[size];
        var produced = new bool[size];
        int count = 0;
        foreach (var merge in parts.Model.Merges())
        {
            count++;
            if (merge.MergedId < size && !produced[merge.MergedId])
            {
                produced[merge.MergedId] = true;
                scores[merge.MergedId] = -merge.Rank;
            }
        }
        for (int id = 0; id < size; id++)
        {
            string? token = id < parts.IdToToken.Length ? parts.IdToToken[id] : null;
            // Single characters and byte pieces are never merge results; their score is unused, 0 as SentencePiece gives them.
            if (!produced[id] && token is not null && token.EnumerateRunes().Count() > 1 && !BytePiece().IsMatch(token))
                scores[id] = -(count + id);
        }
        return scores;
    }
}
