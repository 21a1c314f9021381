using Strata.Models.Gguf;

namespace Strata.Models.Tokenization;

/// <summary>Builds tokenizer parts from GGUF tokenizer.ggml.* metadata.</summary>
internal static class GgufTokenizerLoader
{
    // llama.cpp's token types (tokenizer.ggml.token_type).
    private const int Unknown = 2;
    private const int Control = 3;
    private const int UserDefined = 4;

    public static TokenizerParts Load(string path) => Load(GgufFile.Read(path));

    /// <summary>The tokenizer of a GGUF file whose metadata has been read already.</summary>
    public static TokenizerParts Load(GgufFile gguf)
    {
        string path = gguf.Path;
        string model = gguf.GetString("tokenizer.ggml.model")
            ?? throw new InvalidDataException($"{path}: no tokenizer.ggml.model metadata; the file holds no tokenizer.");
        if (!gguf.TryGet("tokenizer.ggml.tokens", out string[] tokens))
            throw new InvalidDataException($"{path}: tokenizer.ggml.tokens is missing or not a string array.");
        int[] types = TokenTypes(gguf, tokens.Length);

        var tokenToId = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++) tokenToId.TryAdd(tokens[i], i);

        var added = new List<AddedToken>();
        for (int i = 0; i < tokens.Length; i++)
        {
            if (types[i] is Control or UserDefined && tokens[i].Length > 0)
                added.Add(new AddedToken(tokens[i], i, Special: types[i] == Control));
        }

        int? bos = Id(gguf, "tokenizer.ggml.bos_token_id", tokens.Length);
        int? eos = Id(gguf, "tokenizer.ggml.eos_token_id", tokens.Length);
        string? unknown = Id(gguf, "tokenizer.ggml.unknown_token_id", tokens.Length) is int u ? tokens[u] : null;

        switch (model)
        {
            case "gpt2":
                {
                    string pre = gguf.GetString("tokenizer.ggml.pre") ?? "default";
                    var preTokenizer = GgufPreTokenizers.Create(pre)
                        ?? throw new NotSupportedException($"{path}: unsupported pre-tokenizer tokenizer.ggml.pre = '{pre}'.");
                    if (!gguf.TryGet("tokenizer.ggml.merges", out string[] merges))
                        throw new InvalidDataException($"{path}: tokenizer.ggml.merges is missing for a BPE tokenizer.");
                    var bpe = new BpeMergeEngine(tokenToId, merges.Select(m => SplitMerge(m, path)), BpeAlphabet.ByteLevel,
                    GgufPreTokenizers.IgnoresMerges(pre));
                    return new TokenizerParts(tokens, tokenToId, bpe, preTokenizer, added, DecoderKind.ByteLevel, bos, eos);
                }
            case "llama":
                {
                    if (!gguf.TryGet("tokenizer.ggml.scores", out float[] scores) || scores.Length != tokens.Length)
                        throw new InvalidDataException($"{path}: tokenizer.ggml.scores is missing or has the wrong length.");
                    var bpe = new BpeMergeEngine(tokenToId, MergesFromScores(tokens, scores, types), BpeAlphabet.CharactersWithByteFallback,
                        unknownToken: unknown);
                    // SentencePiece marks spaces with ▁ and adds one before the text (add_space_prefix, default on).
                    var steps = new List<IPreTokenizerStep>();
                    if (gguf.GetBool("tokenizer.ggml.add_space_prefix") ?? true) steps.Add(new PrefixStep("\u2581", false, SkipIfPresent: false));
                    steps.Insert(0, new ReplaceStep(" ", "\u2581"));
                    return new TokenizerParts(tokens, tokenToId, bpe, new PreTokenizerPipeline(steps), added, DecoderKind.SentencePiece, bos, eos);
                }
            default:
                throw new NotSupportedException($"{path}: unsupported tokenizer model tokenizer.ggml.model = '{model}' (supported: gpt2, llama).");
        }
    }

    private static int[] TokenTypes(GgufFile gguf, int count)
    {
        if (!gguf.Metadata.ContainsKey("tokenizer.ggml.token_type")) return new int[count];
        if (!gguf.TryGet("tokenizer.ggml.token_type", out int[] types) || types.Length != count)
            throw new InvalidDataException($"{gguf.Path}: tokenizer.ggml.token_type is not an int32 array of {count} entries.");
        return types;
    }

    private static int? Id(GgufFile gguf, string key, int vocabularySize)
    {
        long? value = gguf.GetInteger(key);
        if (value is null) return null;
        if (value < 0 || value >= vocabularySize)
            throw new InvalidDataException($"{gguf.Path}: {key} = {value} is outside the vocabulary (size {vocabularySize}).");
        return (int)value;
    }

    private static (string, string) SplitMerge(string merge, string path)
    {
        int space = merge.IndexOf(' ', 1);
        if (space < 0) throw new InvalidDataException($"{path}: merge '{merge}' has no space between its two parts.");
        return (merge[..space], merge[(space + 1)..]);
    }

    /// <summary>
    /// SentencePiece BPE merges two pieces when their concatenation is a token, best-scoring result first. Turning that
    /// into ranked merges (as Hugging Face's converter does) lets the same merge engine serve both kinds of vocabulary.
    /// </summary>
    private static IEnumerable<(string, string, int)> MergesFromScores(string[] tokens, float[] scores, int[] types)
    {
        var normal = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
            if (types[i] is not (Control or Unknown)) normal.Add(tokens[i]);
        var merges = new List<(float Score, string Left, string Right)>();
        for (int id = 0; id < tokens.Length; id++)
        {
            string token = tokens[id];
            if (types[id] is Control or Unknown || token.Length < 2) continue;
            for (int cut = 1; cut < token.Length; cut++)
            {
                if (char.IsLowSurrogate(token[cut])) continue;
                string left = token[..cut], right = token[cut..];
                if (normal.Contains(left) && normal.Contains(right)) merges.Add((scores[id], left, right));
            }
        }
        // Rank by score only, so that equal scores tie and resolve leftmost first, as SentencePiece does.
        var ranks = merges.Select(m => m.Score).Distinct().OrderByDescending(s => s).Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i);
        return merges.Select(m => (m.Left, m.Right, ranks[m.Score]));
    }
}
