using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Strata.Models.Tokenization;

/// <summary>How a pre-tokenized word is turned into initial symbols before merging.</summary>
internal enum BpeAlphabet
{
    /// <summary>GPT-2 style: UTF-8 bytes mapped to printable characters, every byte has a token.</summary>
    ByteLevel,

    /// <summary>SentencePiece style: Unicode characters; a character without a token becomes &lt;0xXX&gt; byte tokens.</summary>
    CharactersWithByteFallback,
}

/// <summary>
/// The BPE merge engine: applies ranked merges to one word, lowest rank first and leftmost on ties, exactly as
/// Hugging Face tokenizers' BPE model does. Written here instead of using Microsoft.ML.Tokenizers' BpeTokenizer
/// because that one has no <c>ignore_merges</c> (Llama 3) and no byte fallback (Llama 2, Mistral, Phi-3).
/// </summary>
internal sealed class BpeMergeEngine
{
    private const int MaxCacheEntries = 200_000;
    private const int MaxCachedWordLength = 256;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<long, (int Rank, int Merged)> _merges;
    private readonly BpeAlphabet _alphabet;
    private readonly bool _ignoreMerges;
    private readonly int? _unknownId;
    private readonly int[] _byteTokens; // token per byte value, -1 when the vocabulary lacks it
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BpeMergeEngine(Dictionary<string, int> vocab, IEnumerable<(string Left, string Right)> merges, BpeAlphabet alphabet,
        bool ignoreMerges = false, string? unknownToken = null)
        : this(vocab, merges.Select((m, rank) => (m.Left, m.Right, rank)), alphabet, ignoreMerges, unknownToken)
    {
    }

    /// <summary>Merges with explicit ranks; equal ranks are applied leftmost first.</summary>
    public BpeMergeEngine(Dictionary<string, int> vocab, IEnumerable<(string Left, string Right, int Rank)> merges, BpeAlphabet alphabet,
        bool ignoreMerges = false, string? unknownToken = null)
    {
        _vocab = vocab;
        _alphabet = alphabet;
        _ignoreMerges = ignoreMerges;
        _unknownId = unknownToken is not null && vocab.TryGetValue(unknownToken, out int unk) ? unk : null;
        _merges = new Dictionary<long, (int, int)>();
        foreach (var (left, right, rank) in merges)
        {
            if (vocab.TryGetValue(left, out int l) && vocab.TryGetValue(right, out int r) && vocab.TryGetValue(left + right, out int m))
                _merges.TryAdd(Key(l, r), (rank, m));
        }
        _byteTokens = new int[256];
        for (int b = 0; b < 256; b++)
        {
            string token = alphabet == BpeAlphabet.ByteLevel
                ? ByteLevelAlphabet.ByteToChar[b].ToString()
                : string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>");
            _byteTokens[b] = vocab.TryGetValue(token, out int id) ? id : -1;
        }
    }

    public BpeAlphabet Alphabet => _alphabet;

    /// <summary>Whether a word already in the vocabulary is one token without merging (Llama 3's <c>ignore_merges</c>).</summary>
    public bool IgnoresMerges => _ignoreMerges;

    /// <summary>The unknown token's id, when the vocabulary has one.</summary>
    public int? UnknownId => _unknownId;

    /// <summary>The merges that can apply (both parts and the result in the vocabulary), by rank, lowest first.</summary>
    public IEnumerable<(int LeftId, int RightId, int MergedId, int Rank)> Merges() =>
        _merges.Select(m => ((int)(m.Key >> 32), (int)(uint)m.Key, m.Value.Merged, m.Value.Rank)).OrderBy(m => m.Item4);

    /// <summary>Appends the ids for one pre-tokenized word (raw text; byte-level mapping happens here).</summary>
    public void EncodeWord(string word, List<int> output)
    {
        if (word.Length == 0) return;
        if (_cache.TryGetValue(word, out int[]? cached))
        {
            output.AddRange(cached);
            return;
        }
        int[] ids = Compute(word);
        // Long words (SentencePiece texts have no pre-tokenizer, so a whole paragraph is one word) rarely repeat.
        if (word.Length <= MaxCachedWordLength)
        {
            if (_cache.Count >= MaxCacheEntries) _cache.Clear();
            _cache.TryAdd(word, ids);
        }
        output.AddRange(ids);
    }

    private int[] Compute(string word)
    {
        string symbols = _alphabet == BpeAlphabet.ByteLevel ? ByteLevelAlphabet.EncodeText(word) : word;
        if (_ignoreMerges && _vocab.TryGetValue(symbols, out int whole)) return [whole];

        var ids = new List<int>(symbols.Length);
        if (_alphabet == BpeAlphabet.ByteLevel)
        {
            foreach (char c in symbols)
            {
                if (_vocab.TryGetValue(c.ToString(), out int id)) ids.Add(id);
                else if (_unknownId is int unk) ids.Add(unk);
            }
        }
        else
        {
            AddCharacters(symbols, ids);
        }
        return Merge(ids);
    }

    private void AddCharacters(string text, List<int> ids)
    {
        for (int i = 0; i < text.Length;)
        {
            int length = char.IsSurrogatePair(text, i) ? 2 : 1;
            string ch = text.Substring(i, length);
            i += length;
            if (_vocab.TryGetValue(ch, out int id))
            {
                ids.Add(id);
                continue;
            }
            bool allBytes = true;
            byte[] utf8 = Encoding.UTF8.GetBytes(ch);
            foreach (byte b in utf8) allBytes &= _byteTokens[b] >= 0;
            if (allBytes) foreach (byte b in utf8) ids.Add(_byteTokens[b]);
            else if (_unknownId is int unk) ids.Add(unk);
        }
    }

    /// <summary>Priority-queue merging over a linked list of symbols: O(n log n), so long unsplit texts stay fast.</summary>
    private int[] Merge(List<int> initial)
    {
        int n = initial.Count;
        if (n < 2) return initial.ToArray();
        int[] id = initial.ToArray();
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        var queue = new PriorityQueue<(int Pos, int Left, int Right, int Merged), (int Rank, int Pos)>();
        void TryPush(int pos)
        {
            int right = pos < 0 ? -1 : next[pos];
            if (right < 0) return;
            if (_merges.TryGetValue(Key(id[pos], id[right]), out var m))
                queue.Enqueue((pos, id[pos], id[right], m.Merged), (m.Rank, pos));
        }
        for (int i = 0; i < n - 1; i++) TryPush(i);

        while (queue.TryDequeue(out var item, out _))
        {
            int right = next[item.Pos];
            // Skip entries made stale by earlier merges (a removed or changed symbol on either side).
            if (id[item.Pos] != item.Left || right < 0 || id[right] != item.Right) continue;
            id[item.Pos] = item.Merged;
            id[right] = -1;
            next[item.Pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = item.Pos;
            TryPush(prev[item.Pos]);
            TryPush(item.Pos);
        }

        var result = new List<int>();
        for (int i = 0; i >= 0; i = next[i]) result.Add(id[i]);
        return result.ToArray();
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
