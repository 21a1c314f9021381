using System.Runtime.InteropServices;
using System.Text;

namespace Strata.Models.Tokenization;

/// <summary>
/// Trains a byte-level BPE tokenizer. Texts are split on special tokens, pre-tokenized with a regex, and the
/// distinct pre-tokens counted; then the most frequent adjacent pair is merged repeatedly. Ties go to the
/// lexicographically greater pair, comparing (left bytes, right bytes) as byte strings, which reproduces the
/// reference trainer exactly.
/// </summary>
/// <remarks>
/// Merging is incremental: an index from each pair to the words containing it means a merge only revisits
/// words that contain the pair, and a max-heap with lazy invalidation finds the best pair without rescanning
/// all counts. Heap entries carry the count they were pushed with; a popped entry whose count is stale is
/// dropped (a newer, higher entry exists) or pushed again with its lower current count.
/// </remarks>
public static class BpeTrainer
{
    private const int ByteTokenCount = 256;

    /// <summary>
    /// Trains on independent texts (documents); no merge crosses the boundary between two texts. Progress is
    /// the fraction of merges done, 0 to 1 (counting pre-tokens comes first and is reported as 0).
    /// </summary>
    public static BpeModel Train(IEnumerable<string> texts, BpeTrainerOptions options,
        IProgress<double>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        Validate(options);
        var counter = new BpeTrainerPreTokenCounter(options);
        return Train(counter.Count(texts, ct), options, progress, ct);
    }

    /// <summary>Trains on UTF-8 text files, streamed in pieces; each file is an independent document.</summary>
    public static BpeModel TrainFromFiles(IEnumerable<string> paths, BpeTrainerOptions options,
        IProgress<double>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Validate(options);
        var counter = new BpeTrainerPreTokenCounter(options);
        return Train(counter.Count(counter.ReadPieces(paths), ct), options, progress, ct);
    }

    private static void Validate(BpeTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.SpecialTokens);
        ArgumentException.ThrowIfNullOrEmpty(options.PreTokenizerPattern);
        if (options.SpecialTokens.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Special tokens must be non-empty.", nameof(options));
        }
        if (options.SpecialTokens.Distinct(StringComparer.Ordinal).Count() != options.SpecialTokens.Count)
        {
            throw new ArgumentException("Special tokens must be distinct.", nameof(options));
        }
        int minimum = ByteTokenCount + options.SpecialTokens.Count;
        if (options.VocabularySize < minimum)
        {
            throw new ArgumentException(
                $"VocabularySize {options.VocabularySize} is smaller than the {ByteTokenCount} byte tokens plus " +
                $"{options.SpecialTokens.Count} special tokens ({minimum}).", nameof(options));
        }
        if (options.MinFrequency < 1)
        {
            throw new ArgumentException("MinFrequency must be at least 1.", nameof(options));
        }
    }

    private static BpeModel Train(Dictionary<string, long> preTokens, BpeTrainerOptions options,
        IProgress<double>? progress, CancellationToken ct)
    {
        progress?.Report(0);
        var state = new MergeState(options.SpecialTokens, preTokens);
        int targetMerges = options.VocabularySize - ByteTokenCount - options.SpecialTokens.Count;
        var merges = new List<BpeMerge>(targetMerges);
        int reportEvery = Math.Max(1, targetMerges / 100);
        while (state.TokenCount < options.VocabularySize)
        {
            ct.ThrowIfCancellationRequested();
            if (!state.TryTakeBestPair(out int left, out int right, out long count) || count < options.MinFrequency)
            {
                break;
            }
            merges.Add(state.Merge(left, right));
            if (merges.Count % reportEvery == 0) progress?.Report(Math.Min(1.0, merges.Count / (double)targetMerges));
        }
        progress?.Report(1);
        return new BpeModel(state.TokenBytes.ToArray(), merges, options.SpecialTokens.ToArray(),
            options.PreTokenizerPattern);
    }

    /// <summary>Words as token-id sequences, pair counts, the pair-to-words index and the heap.</summary>
    private sealed class MergeState
    {
        private readonly int[][] _words;
        private readonly int[] _lengths;
        private readonly long[] _wordCounts;
        private readonly int[] _visitedAtMerge;
        private readonly Dictionary<long, long> _pairCounts = new(PairComparer.Instance);
        private readonly Dictionary<long, List<int>> _pairWords = new(PairComparer.Instance);
        private readonly PriorityQueue<long, (long Count, long Pair)> _heap;
        private readonly Dictionary<string, int> _idByBytes = new(StringComparer.Ordinal);
        private readonly HashSet<long> _increased = new(PairComparer.Instance);
        private int _mergeNumber;

        public MergeState(IReadOnlyList<string> specialTokens, Dictionary<string, long> preTokens)
        {
            foreach (string special in specialTokens) TokenBytes.Add(Encoding.UTF8.GetBytes(special));
            var byteToId = new int[ByteTokenCount];
            foreach (byte b in ByteLevelAlphabet.BytesInCharacterOrder)
            {
                byteToId[b] = TokenBytes.Count;
                AddRegularToken([b]);
            }
            _heap = new PriorityQueue<long, (long Count, long Pair)>(Comparer<(long Count, long Pair)>.Create(ComparePriority));

            // Single-byte words have no pairs and can never change, so they are left out.
            var words = new List<int[]>(preTokens.Count);
            var counts = new List<long>(preTokens.Count);
            foreach (var (text, count) in preTokens)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(text);
                if (bytes.Length < 2) continue;
                words.Add(Array.ConvertAll(bytes, b => byteToId[b]));
                counts.Add(count);
            }
            _words = [.. words];
            _wordCounts = [.. counts];
            _lengths = Array.ConvertAll(_words, w => w.Length);
            _visitedAtMerge = new int[_words.Length];
            for (int w = 0; w < _words.Length; w++)
            {
                int[] word = _words[w];
                for (int i = 0; i + 1 < word.Length; i++) AddPairCount(Key(word[i], word[i + 1]), _wordCounts[w], w);
            }
            foreach (var (pair, count) in _pairCounts) _heap.Enqueue(pair, (count, pair));
            _increased.Clear();
        }

        public List<byte[]> TokenBytes { get; } = [];

        public int TokenCount => TokenBytes.Count;

        public bool TryTakeBestPair(out int left, out int right, out long count)
        {
            while (_heap.TryDequeue(out long pair, out var entry))
            {
                if (!_pairCounts.TryGetValue(pair, out long current)) continue; // merged or gone
                if (current < entry.Count)
                {
                    // Counts only fall without a push, so this entry overstates it: requeue at its true count.
                    _heap.Enqueue(pair, (current, pair));
                    continue;
                }
                if (current > entry.Count) continue; // a newer entry with the higher count is in the heap
                (left, right, count) = ((int)(pair >> 32), (int)pair, current);
                return true;
            }
            (left, right, count) = (0, 0, 0);
            return false;
        }

        /// <summary>Replaces every occurrence of (left, right) in the words containing it, updating counts.</summary>
        public BpeMerge Merge(int left, int right)
        {
            long merged = Key(left, right);
            byte[] bytes = [.. TokenBytes[left], .. TokenBytes[right]];
            // As in Hugging Face's trainer, a merge that rebuilds an existing token reuses its id.
            int newId = _idByBytes.TryGetValue(Latin1(bytes), out int existing) ? existing : AddRegularToken(bytes);
            _mergeNumber++;
            _pairCounts.Remove(merged);
            _pairWords.Remove(merged, out var wordList);
            foreach (int w in wordList ?? [])
            {
                if (_visitedAtMerge[w] == _mergeNumber) continue; // the index may list a word more than once
                _visitedAtMerge[w] = _mergeNumber;
                MergeInWord(w, left, right, newId, merged);
            }
            foreach (long pair in _increased)
            {
                if (_pairCounts.TryGetValue(pair, out long count)) _heap.Enqueue(pair, (count, pair));
            }
            _increased.Clear();
            return new BpeMerge(left, right, newId);
        }

        private void MergeInWord(int w, int left, int right, int newId, long merged)
        {
            int[] s = _words[w];
            int n = _lengths[w];
            long c = _wordCounts[w];
            int write = 0, read = 0;
            // Left to right, non-overlapping, compacting in place; s[write - 1] is already the merged form.
            while (read < n)
            {
                if (read + 1 < n && s[read] == left && s[read + 1] == right)
                {
                    if (write > 0)
                    {
                        AddPairCount(Key(s[write - 1], left), -c, w, merged);
                        AddPairCount(Key(s[write - 1], newId), c, w, merged);
                    }
                    if (read + 2 < n)
                    {
                        AddPairCount(Key(right, s[read + 2]), -c, w, merged);
                        AddPairCount(Key(newId, s[read + 2]), c, w, merged);
                    }
                    s[write++] = newId;
                    read += 2;
                }
                else
                {
                    s[write++] = s[read++];
                }
            }
            _lengths[w] = write;
        }

        private void AddPairCount(long pair, long delta, int word, long skip = -1)
        {
            if (pair == skip) return; // the pair being merged is already removed
            ref long count = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairCounts, pair, out _);
            count += delta;
            if (delta > 0)
            {
                _increased.Add(pair);
                ref var words = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairWords, pair, out _);
                words ??= [];
                if (words.Count == 0 || words[^1] != word) words.Add(word);
            }
            else if (count == 0)
            {
                // No word holds the pair any more; drop it so the maps stay small (a later +delta re-adds it).
                _pairCounts.Remove(pair);
                _pairWords.Remove(pair);
            }
        }

        private int AddRegularToken(byte[] bytes)
        {
            _idByBytes[Latin1(bytes)] = TokenBytes.Count;
            TokenBytes.Add(bytes);
            return TokenBytes.Count - 1;
        }

        /// <summary>Higher count first; on equal counts the greater (left bytes, right bytes) first.</summary>
        private int ComparePriority((long Count, long Pair) a, (long Count, long Pair) b)
        {
            int byCount = b.Count.CompareTo(a.Count);
            if (byCount != 0) return byCount;
            int byLeft = Bytes(b.Pair >> 32).SequenceCompareTo(Bytes(a.Pair >> 32));
            return byLeft != 0 ? byLeft : Bytes((int)b.Pair).SequenceCompareTo(Bytes((int)a.Pair));
        }

        private ReadOnlySpan<byte> Bytes(long id) => TokenBytes[(int)id];

        private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

        /// <summary>Bytes as a string of chars 0-255: a cheap exact dictionary key for byte strings.</summary>
        private static string Latin1(byte[] bytes) => Encoding.Latin1.GetString(bytes);
    }

    /// <summary>
    /// long.GetHashCode is left ^ right for a pair key, so (a, b) and (b, a) collide and small ids crowd a few
    /// hundred buckets; that made counting pairs 50 times slower. A multiplicative hash spreads them.
    /// </summary>
    private sealed class PairComparer : IEqualityComparer<long>
    {
        public static readonly PairComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long pair) => (int)(((ulong)pair * 0x9E3779B97F4A7C15UL) >> 32);
    }
}
