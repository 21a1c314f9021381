using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Strata.Models.Tokenization;

/// <summary>Builds tokenizer parts from a Hugging Face tokenizer.json (BPE models) and its tokenizer_config.json.</summary>
internal static class TokenizerJsonLoader
{
    public static TokenizerParts Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer.json not found: {path}", path);
        using var document = ParseJson(path);
        var root = document.RootElement;
        var model = root.GetProperty("model");
        string type = Str(model, "type") ?? (model.TryGetProperty("merges", out _) ? "BPE" : "unknown");
        if (type != "BPE") throw new NotSupportedException($"{path}: unsupported tokenizer model type '{type}' (supported: BPE).");

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in model.GetProperty("vocab").EnumerateObject()) vocab[entry.Name] = entry.Value.GetInt32();
        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in addedJson.EnumerateArray())
            {
                var token = new AddedToken(t.GetProperty("content").GetString()!, t.GetProperty("id").GetInt32(),
                    Bool(t, "special", false), Bool(t, "lstrip", false), Bool(t, "rstrip", false));
                added.Add(token);
                vocab.TryAdd(token.Content, token.Id);
            }
        }

        var steps = new List<IPreTokenizerStep>();
        bool byteLevel = false;
        if (root.TryGetProperty("normalizer", out var normalizer)) AddNormalizer(normalizer, steps, path);
        if (root.TryGetProperty("pre_tokenizer", out var pre)) byteLevel |= AddPreTokenizer(pre, steps, path);
        if (root.TryGetProperty("decoder", out var decoder)) byteLevel |= decoder.GetRawText().Contains("\"ByteLevel\"", StringComparison.Ordinal);

        var merges = model.GetProperty("merges").EnumerateArray().Select(m => Merge(m, path));
        var bpe = new BpeMergeEngine(vocab, merges, byteLevel ? BpeAlphabet.ByteLevel : BpeAlphabet.CharactersWithByteFallback,
            Bool(model, "ignore_merges", false), Str(model, "unk_token"));

        int size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        var idToToken = new string?[size];
        foreach (var (token, id) in vocab) idToToken[id] ??= token;
        foreach (var token in added) idToToken[token.Id] = token.Content;

        var (bos, eos) = ReadConfig(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tokenizer_config.json"), vocab);
        return new TokenizerParts(idToToken, vocab, bpe, new PreTokenizerPipeline(steps), added,
            byteLevel ? DecoderKind.ByteLevel : DecoderKind.SentencePiece, bos, eos);
    }

    internal static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    private static (string, string) Merge(JsonElement merge, string path)
    {
        if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
            return (merge[0].GetString()!, merge[1].GetString()!);
        string text = merge.GetString() ?? "";
        int space = text.IndexOf(' ', 1);
        if (space < 0) throw new InvalidDataException($"{path}: merge '{text}' is neither \"a b\" nor [a, b].");
        return (text[..space], text[(space + 1)..]);
    }

    private static void AddNormalizer(JsonElement n, List<IPreTokenizerStep> steps, string path)
    {
        if (n.ValueKind == JsonValueKind.Null) return;
        string type = Str(n, "type") ?? "";
        switch (type)
        {
            case "Sequence":
                foreach (var inner in n.GetProperty("normalizers").EnumerateArray()) AddNormalizer(inner, steps, path);
                break;
            case "NFC": steps.Add(new NormalizeStep(NormalizationForm.FormC)); break;
            case "NFD": steps.Add(new NormalizeStep(NormalizationForm.FormD)); break;
            case "NFKC": steps.Add(new NormalizeStep(NormalizationForm.FormKC)); break;
            case "NFKD": steps.Add(new NormalizeStep(NormalizationForm.FormKD)); break;
            case "Prepend": steps.Add(new PrefixStep(Str(n, "prepend")!, false, SkipIfPresent: false)); break;
            case "Replace":
                var pattern = n.GetProperty("pattern");
                string content = Str(n, "content") ?? "";
                if (Str(pattern, "String") is { } literal) steps.Add(new ReplaceStep(literal, content));
                else steps.Add(new RegexReplaceStep(new Regex(Str(pattern, "Regex")!, RegexOptions.CultureInvariant), content));
                break;
            default:
                throw new NotSupportedException($"{path}: unsupported normalizer type '{type}'.");
        }
    }

    /// <summary>Adds the steps of a pre_tokenizer; returns whether it contains ByteLevel.</summary>
    private static bool AddPreTokenizer(JsonElement p, List<IPreTokenizerStep> steps, string path)
    {
        if (p.ValueKind == JsonValueKind.Null) return false;
        string type = Str(p, "type") ?? "";
        switch (type)
        {
            case "Sequence":
                bool any = false;
                foreach (var inner in p.GetProperty("pretokenizers").EnumerateArray()) any |= AddPreTokenizer(inner, steps, path);
                return any;
            case "ByteLevel":
                if (Bool(p, "add_prefix_space", true)) steps.Add(new PrefixStep(" ", false, SkipIfPresent: true));
                if (Bool(p, "use_regex", true)) steps.Add(SplitStep.Isolated(SplitStep.Gpt2Pattern));
                return true;
            case "Split":
                var pattern = p.GetProperty("pattern");
                string regex = Str(pattern, "Regex") ?? Regex.Escape(Str(pattern, "String")!);
                steps.Add(SplitStep.Create(regex, Behavior(Str(p, "behavior"), path), Bool(p, "invert", false)));
                return false;
            case "Digits":
                steps.Add(SplitStep.Create(Bool(p, "individual_digits", false) ? @"\p{N}" : @"\p{N}+", SplitBehavior.Isolated));
                return false;
            case "Punctuation":
                steps.Add(SplitStep.Create(@"[\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]", Behavior(Str(p, "behavior") ?? "Isolated", path)));
                return false;
            case "Whitespace":
                steps.Add(SplitStep.Create(@"\w+|[^\w\s]+", SplitBehavior.Removed, invert: true));
                return false;
            case "WhitespaceSplit":
                steps.Add(SplitStep.Create(@"\s+", SplitBehavior.Removed));
                return false;
            case "Metaspace":
                string replacement = Str(p, "replacement") ?? "\u2581";
                string scheme = Str(p, "prepend_scheme") ?? (Bool(p, "add_prefix_space", true) ? "always" : "never");
                steps.Add(new ReplaceStep(" ", replacement));
                if (scheme != "never") steps.Add(new PrefixStep(replacement, OnlyFirstSegment: scheme == "first", SkipIfPresent: true));
                if (Bool(p, "split", true)) steps.Add(SplitStep.Create(Regex.Escape(replacement), SplitBehavior.MergedWithNext));
                return false;
            default:
                throw new NotSupportedException($"{path}: unsupported pre_tokenizer type '{type}'.");
        }
    }

    private static SplitBehavior Behavior(string? name, string path) => name switch
    {
        "Removed" => SplitBehavior.Removed,
        "Isolated" => SplitBehavior.Isolated,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        _ => throw new NotSupportedException($"{path}: unsupported split behavior '{name}'."),
    };

    private static (int? Bos, int? Eos) ReadConfig(string configPath, Dictionary<string, int> vocab)
    {
        if (!File.Exists(configPath)) return (null, null);
        using var config = ParseJson(configPath);
        int? Lookup(string key)
        {
            if (!config.RootElement.TryGetProperty(key, out var value)) return null;
            string? text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Object => Str(value, "content"),
                _ => null,
            };
            return text is not null && vocab.TryGetValue(text, out int id) ? id : null;
        }
        return (Lookup("bos_token"), Lookup("eos_token"));
    }

    internal static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static bool Bool(JsonElement e, string name, bool fallback) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;
}

/// <summary>Regex replacement in each piece (tokenizer.json Replace normalizer with a Regex pattern).</summary>
internal sealed record RegexReplaceStep(Regex Pattern, string Content) : IPreTokenizerStep
{
    public void Apply(string piece, bool firstSegment, List<string> output) => output.Add(Pattern.Replace(piece, Content));
}
