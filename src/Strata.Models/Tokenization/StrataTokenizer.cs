using System.Globalization;
using System.Text;

namespace Strata.Models.Tokenization;

/// <summary>How ids turn back into text.</summary>
internal enum DecoderKind
{
    /// <summary>Tokens are GPT-2 byte-level characters.</summary>
    ByteLevel,

    /// <summary>▁ means space, &lt;0xXX&gt; tokens are raw bytes; one leading space (the added prefix) is dropped.</summary>
    SentencePiece,
}

/// <summary>Everything a loader extracts from a tokenizer file.</summary>
internal sealed record TokenizerParts(
    string?[] IdToToken,
    Dictionary<string, int> TokenToId,
    BpeMergeEngine Model,
    PreTokenizerPipeline PreTokenizer,
    IReadOnlyList<AddedToken> AddedTokens,
    DecoderKind Decoder,
    int? BosTokenId,
    int? EosTokenId);

/// <summary>
/// Strata's tokenizer: byte-level BPE (GPT-2, Llama 3, Qwen, DeepSeek, Falcon, StarCoder ...) and SentencePiece-style
/// BPE with byte fallback (Llama 2, Mistral, Phi-3), loaded from Hugging Face tokenizer.json or GGUF metadata.
/// Thread-safe for concurrent Encode/Decode.
/// </summary>
public sealed class StrataTokenizer : Generation.ITokenDecoder
{
    private readonly TokenizerParts _parts;
    private readonly AddedTokenSplitter _splitter;
    private readonly Dictionary<int, AddedToken> _addedById;

    internal StrataTokenizer(TokenizerParts parts)
    {
        _parts = parts;
        _splitter = new AddedTokenSplitter(parts.AddedTokens);
        _addedById = new Dictionary<int, AddedToken>();
        foreach (var token in parts.AddedTokens) _addedById[token.Id] = token;
        SpecialTokens = parts.AddedTokens.Where(t => t.Special).GroupBy(t => t.Content)
            .ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
    }

    /// <summary>What the tokenizer was built from, for writers that store it in another format (GGUF).</summary>
    internal TokenizerParts Parts => _parts;

    /// <summary>Highest id + 1, including added and special tokens.</summary>
    public int VocabularySize => _parts.IdToToken.Length;

    public int? BosTokenId => _parts.BosTokenId;
    public int? EosTokenId => _parts.EosTokenId;

    /// <summary>Added tokens marked special, by their text.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>Encodes text to ids. With <paramref name="parseSpecialTokens"/> false, special-token text is encoded as
    /// ordinary text, never as the reserved id (non-special added tokens are still recognised).</summary>
    public IReadOnlyList<int> Encode(string text, bool addBos = false, bool parseSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        if (addBos && BosTokenId is int bos) ids.Add(bos);
        foreach (var segment in _splitter.Split(text, parseSpecialTokens))
        {
            if (segment.Text is null)
            {
                ids.Add(segment.TokenId);
                continue;
            }
            foreach (string piece in _parts.PreTokenizer.Split(segment.Text, segment.IsFirst))
                _parts.Model.EncodeWord(piece, ids);
        }
        return ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        // Invalid UTF-8 (a character cut between tokens) becomes U+FFFD, as in Hugging Face's lossy decode.
        string text = Encoding.UTF8.GetString(DecodeBytes(ids, skipSpecialTokens));
        if (_parts.Decoder == DecoderKind.SentencePiece && text.StartsWith(' ')) text = text[1..];
        return text;
    }

    /// <summary>The raw UTF-8 bytes of the ids (a single token may hold part of a character), as OpenAI's logprob <c>bytes</c>.</summary>
    public byte[] DecodeBytes(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            string token = IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id,
                $"Token id {id} is not in the vocabulary (size {VocabularySize}).");
            if (_addedById.TryGetValue(id, out AddedToken? added))
            {
                if (!(added.Special && skipSpecialTokens)) bytes.AddRange(Encoding.UTF8.GetBytes(added.Content));
                continue;
            }
            if (_parts.Decoder == DecoderKind.ByteLevel) ByteLevelAlphabet.AppendBytes(token, bytes);
            else AppendSentencePiece(token, bytes);
        }
        return bytes.ToArray();
    }

    private static void AppendSentencePiece(string token, List<byte> bytes)
    {
        if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b))
        {
            bytes.Add(b);
            return;
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(token.Replace('\u2581', ' ')));
    }

    public string? IdToToken(int id) => id >= 0 && id < _parts.IdToToken.Length ? _parts.IdToToken[id] : null;

    public int? TokenToId(string token) => _parts.TokenToId.TryGetValue(token, out int id) ? id : null;

    /// <summary>Loads a Hugging Face tokenizer.json, with tokenizer_config.json from the same folder when present.</summary>
    public static StrataTokenizer FromTokenizerJson(string tokenizerJsonPath) => new(TokenizerJsonLoader.Load(tokenizerJsonPath));

    /// <summary>Loads the tokenizer stored in a GGUF file's metadata (tokenizer.ggml.*).</summary>
    public static StrataTokenizer FromGguf(string ggufPath) => new(GgufTokenizerLoader.Load(ggufPath));

    /// <summary>The same from a GGUF file whose metadata has been read already (no second parse of a large vocabulary).</summary>
    public static StrataTokenizer FromGguf(Gguf.GgufFile file) => new(GgufTokenizerLoader.Load(file));

    /// <summary>Loads tokenizer.json from a model directory.</summary>
    public static StrataTokenizer FromDirectory(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Model directory not found: {directory}");
        string path = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"No tokenizer.json in model directory {directory}", path);
        return FromTokenizerJson(path);
    }
}
