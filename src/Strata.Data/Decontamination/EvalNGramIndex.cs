using System.IO.Hashing;
using System.Runtime.InteropServices;
using Strata.Data.Dedup;

namespace Strata.Data.Decontamination;

/// <summary>
/// Every word n-gram of a set of evaluation items, for finding training documents that contain any of them. Words are
/// normalised as lm-eval-harness's janitor and GPT-3 do: lowercased, punctuation deleted, split on whitespace. Each
/// n-gram is stored as a 64-bit hash (XXH3 of its words' hashes), so memory is about 24 bytes per distinct n-gram.
/// Read-only after construction, hence thread-safe.
/// </summary>
public sealed class EvalNGramIndex
{
    [ThreadStatic]
    private static ulong[]? _words;

    private readonly Dictionary<ulong, int> _firstItem = [];
    private readonly Dictionary<ulong, List<int>> _moreItems = [];
    private readonly int[] _shortLengths;

    /// <summary>Indexes <paramref name="items"/>; items with no words are skipped.</summary>
    public EvalNGramIndex(IEnumerable<EvalItem> items, DecontaminationOptions? options = null)
    {
        N = (options ?? new DecontaminationOptions()).N;
        if (N < 1)
        {
            throw new ArgumentException("n must be positive", nameof(options));
        }
        Items = [.. items];
        var shortLengths = new SortedSet<int>();
        var words = new ulong[256];
        for (int item = 0; item < Items.Count; item++)
        {
            int count = TextNormalization.HashWords(Items[item].Text, stripPunctuation: true, ref words);
            if (count == 0)
            {
                continue;
            }
            int length = Math.Min(N, count);
            if (length < N)
            {
                shortLengths.Add(length);
            }
            for (int start = 0; start + length <= count; start++)
            {
                Insert(GramHash(words, start, length), item);
            }
        }
        _shortLengths = [.. shortLengths];
    }

    /// <summary>Words per n-gram.</summary>
    public int N { get; }

    /// <summary>The indexed items, in the order given.</summary>
    public IReadOnlyList<EvalItem> Items { get; }

    /// <summary>Number of distinct n-grams held.</summary>
    public int NGramCount => _firstItem.Count;

    /// <summary>Ids of the eval items sharing at least one n-gram with <paramref name="text"/>, in item order.</summary>
    public IReadOnlyList<string> Find(ReadOnlySpan<char> text)
    {
        var words = _words ??= new ulong[256];
        int count = TextNormalization.HashWords(text, stripPunctuation: true, ref words);
        _words = words;
        SortedSet<int>? matched = null;
        Scan(words, count, N, ref matched);
        foreach (int length in _shortLengths)
        {
            Scan(words, count, length, ref matched);
        }
        return matched is null ? [] : [.. matched.Select(item => Items[item].Id)];
    }

    private void Scan(ulong[] words, int count, int length, ref SortedSet<int>? matched)
    {
        for (int start = 0; start + length <= count; start++)
        {
            ulong gram = GramHash(words, start, length);
            if (_firstItem.TryGetValue(gram, out int item))
            {
                matched ??= [];
                matched.Add(item);
                if (_moreItems.TryGetValue(gram, out var more))
                {
                    matched.UnionWith(more);
                }
            }
        }
    }

    private void Insert(ulong gram, int item)
    {
        if (_firstItem.TryAdd(gram, item) || _firstItem[gram] == item)
        {
            return;
        }
        if (!_moreItems.TryGetValue(gram, out var more))
        {
            _moreItems[gram] = more = [];
        }
        if (more.Count == 0 || more[^1] != item)
        {
            more.Add(item);
        }
    }

    private static ulong GramHash(ulong[] words, int start, int length) =>
        XxHash3.HashToUInt64(MemoryMarshal.AsBytes(words.AsSpan(start, length)));
}
