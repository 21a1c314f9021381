using System.Text;

namespace Strata.Models.Tokenization;

/// <summary>One learned merge: the tokens <see cref="LeftId"/> and <see cref="RightId"/> become <see cref="MergedId"/>.</summary>
public readonly record struct BpeMerge(int LeftId, int RightId, int MergedId);

/// <summary>
/// A trained byte-level BPE tokenizer: vocabulary (id to bytes), ordered merges, special tokens and the
/// pre-tokenizer pattern. Ids are laid out as Hugging Face's trainer does: special tokens first, then the 256
/// single bytes in GPT-2 character order (<see cref="ByteLevelAlphabet.BytesInCharacterOrder"/>), then one id
/// per merge in merge order.
/// </summary>
public sealed class BpeModel
{
    /// <summary>GPT-2's pre-tokenizer regex, the default for training and the one written to tokenizer.json.</summary>
    public const string Gpt2Pattern =
        @"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly byte[][] _vocabulary;
    private readonly Dictionary<string, int> _specialTokens;

    internal BpeModel(byte[][] vocabulary, IReadOnlyList<BpeMerge> merges, IReadOnlyList<string> specialTokens,
        string preTokenizerPattern)
    {
        _vocabulary = vocabulary;
        Merges = merges;
        PreTokenizerPattern = preTokenizerPattern;
        // Special tokens occupy the first ids, in the order given.
        _specialTokens = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < specialTokens.Count; i++) _specialTokens.Add(specialTokens[i], i);
    }

    public int VocabularySize => _vocabulary.Length;

    /// <summary>Merges in the order they were learned (and must be applied).</summary>
    public IReadOnlyList<BpeMerge> Merges { get; }

    /// <summary>Special token text to id; their ids are 0..count-1.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens => _specialTokens;

    public string PreTokenizerPattern { get; }

    /// <summary>The bytes of a token; a special token's bytes are its UTF-8 text.</summary>
    public ReadOnlySpan<byte> GetTokenBytes(int id) => _vocabulary[id];

    public bool IsSpecial(int id) => id >= 0 && id < _specialTokens.Count;

    /// <summary>
    /// The token's tokenizer.json form: special tokens verbatim, others in GPT-2 byte-to-unicode form.
    /// </summary>
    public string GetTokenString(int id) =>
        IsSpecial(id) ? Encoding.UTF8.GetString(_vocabulary[id]) : ByteLevelAlphabet.Encode(_vocabulary[id]);

    /// <summary>Vocabulary in tokenizer.json form (token string to id), special tokens included.</summary>
    public Dictionary<string, int> GetEncodedVocabulary()
    {
        var vocab = new Dictionary<string, int>(_vocabulary.Length, StringComparer.Ordinal);
        for (int id = 0; id < _vocabulary.Length; id++)
        {
            // A special token spelled like a byte-level token would make the JSON vocab ambiguous.
            if (!vocab.TryAdd(GetTokenString(id), id))
            {
                throw new InvalidOperationException(
                    $"Token {id} '{GetTokenString(id)}' collides with token {vocab[GetTokenString(id)]}.");
            }
        }
        return vocab;
    }

    /// <summary>Merges in tokenizer.json form: pairs of GPT-2 byte-to-unicode strings, in order.</summary>
    public List<(string Left, string Right)> GetEncodedMerges() =>
        Merges.Select(m => (GetTokenString(m.LeftId), GetTokenString(m.RightId))).ToList();

    /// <summary>Writes a Hugging Face tokenizer.json (see <see cref="TokenizerJsonWriter"/>).</summary>
    public void SaveTokenizerJson(string path) => TokenizerJsonWriter.Write(this, path);
}
