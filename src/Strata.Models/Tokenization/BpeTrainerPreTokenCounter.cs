using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Strata.Models.Tokenization;

/// <summary>
/// First training phase: counts distinct pre-tokens. Only the counts matter to BPE, so a few MB of text shrink to
/// a dictionary of tens of thousands of words. Input is cut into pieces at points where cutting cannot change
/// the pre-tokenization, and the pieces are counted in parallel.
/// </summary>
internal sealed class BpeTrainerPreTokenCounter
{
    /// <summary>Piece size that keeps all cores busy without holding much text in memory.</summary>
    internal const int PieceChars = 1 << 18;

    private readonly Regex _preTokenizer;
    private readonly Regex? _specialSplitter;
    private readonly IReadOnlyList<string> _specialTokens;
    private readonly int _maxDegreeOfParallelism;
    private readonly int _longestSpecial;

    public BpeTrainerPreTokenCounter(BpeTrainerOptions options)
    {
        _preTokenizer = new Regex(options.PreTokenizerPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        _specialTokens = options.SpecialTokens;
        // Longest first so that a special token containing another one wins, as in the reference.
        _specialSplitter = options.SpecialTokens.Count == 0
            ? null
            : new Regex(string.Join('|', options.SpecialTokens.OrderByDescending(s => s.Length).Select(Regex.Escape)),
                RegexOptions.Compiled | RegexOptions.CultureInvariant);
        _maxDegreeOfParallelism = options.MaxDegreeOfParallelism ?? Environment.ProcessorCount;
        _longestSpecial = options.SpecialTokens.Select(s => s.Length).DefaultIfEmpty(0).Max();
    }

    /// <summary>Counts pre-tokens over independent texts (documents); returns pre-token to occurrence count.</summary>
    public Dictionary<string, long> Count(IEnumerable<string> texts, CancellationToken ct)
    {
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        var parallel = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = _maxDegreeOfParallelism };
        // NoBuffering: take one batch at a time, so streaming input is never read far ahead.
        var batches = Partitioner.Create(Batch(texts), EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(batches, parallel,
            () => new Dictionary<string, long>(StringComparer.Ordinal),
            (batch, _, local) =>
            {
                foreach (string piece in batch) CountPiece(piece, local);
                return local;
            },
            local =>
            {
                lock (total)
                {
                    foreach (var (token, count) in local)
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(total, token, out _) += count;
                    }
                }
            });
        return total;
    }

    /// <summary>Reads text files as a stream of pieces; each file is an independent document.</summary>
    public IEnumerable<string> ReadPieces(IEnumerable<string> paths)
    {
        // A growable char buffer (not a StringBuilder) so a file without safe cut points is still read in
        // amortised linear time, scanning each character for a cut only once.
        var buffer = new char[2 * PieceChars];
        foreach (string path in paths)
        {
            using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            int length = 0, scanned = 2;
            while (true)
            {
                if (buffer.Length - length < PieceChars) Array.Resize(ref buffer, buffer.Length * 2);
                int read = reader.ReadBlock(buffer, length, PieceChars);
                if (read == 0) break;
                length += read;
                if (length < PieceChars) continue;
                // Stay a special token's length short of the end: one may straddle a cut and not be read whole yet.
                int before = length - 1 - _longestSpecial;
                int cut = FindLastSafeCut(buffer.AsSpan(0, length), before, scanned);
                scanned = Math.Max(scanned, before + 1);
                if (cut < 0) continue;
                yield return new string(buffer, 0, cut);
                buffer.AsSpan(cut, length - cut).CopyTo(buffer);
                length -= cut;
                scanned = 2;
            }
            if (length > 0) yield return new string(buffer, 0, length);
        }
    }

    /// <summary>Groups texts (cutting long ones) into batches of about <see cref="PieceChars"/> characters.</summary>
    private IEnumerable<List<string>> Batch(IEnumerable<string> texts)
    {
        var batch = new List<string>();
        long chars = 0;
        foreach (string text in texts)
        {
            foreach (string piece in Cut(text))
            {
                batch.Add(piece);
                chars += piece.Length;
                if (chars < PieceChars) continue;
                yield return batch;
                batch = [];
                chars = 0;
            }
        }
        if (batch.Count > 0) yield return batch;
    }

    private IEnumerable<string> Cut(string text)
    {
        int start = 0;
        while (text.Length - start > 2 * PieceChars)
        {
            int cut = FindLastSafeCut(text, start + PieceChars, start + 2);
            if (cut < 0) cut = FindFirstSafeCut(text, start + PieceChars);
            if (cut < 0) break;
            yield return text[start..cut];
            start = cut;
        }
        yield return start == 0 ? text : text[start..];
    }

    /// <summary>The last safe cut in [lowest, before], or -1.</summary>
    private int FindLastSafeCut(ReadOnlySpan<char> text, int before, int lowest)
    {
        for (int p = Math.Min(before, text.Length - 1); p >= Math.Max(lowest, 2); p--)
        {
            if (IsSafeCut(text, p)) return p;
        }
        return -1;
    }

    private int FindFirstSafeCut(ReadOnlySpan<char> text, int from)
    {
        for (int p = Math.Max(from, 2); p < text.Length; p++)
        {
            if (IsSafeCut(text, p)) return p;
        }
        return -1;
    }

    /// <summary>
    /// A cut right after a line feed that sits between two visible ASCII characters leaves the pre-tokenization
    /// unchanged: the pre-token before the line feed cannot contain it, the line feed alone is a whole pre-token
    /// with or without the following text, and matching restarts at the visible character either way.
    /// It must also not fall inside a special token.
    /// </summary>
    private bool IsSafeCut(ReadOnlySpan<char> text, int p)
    {
        if (text[p - 1] != '\n' || !IsVisibleAscii(text[p - 2]) || !IsVisibleAscii(text[p])) return false;
        foreach (string special in _specialTokens)
        {
            int from = Math.Max(0, p - special.Length + 1);
            var window = text.Slice(from, Math.Min(text.Length - from, 2 * special.Length));
            int found = window.IndexOf(special.AsSpan(), StringComparison.Ordinal);
            if (found >= 0 && from + found < p) return false;
        }
        return true;
    }

    private static bool IsVisibleAscii(char c) => c is > ' ' and < '\x7f';

    private void CountPiece(string piece, Dictionary<string, long> counts)
    {
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        ReadOnlySpan<char> text = piece;
        int start = 0;
        if (_specialSplitter is not null)
        {
            // Special tokens separate documents: nothing is counted across them and they are not counted.
            foreach (var match in _specialSplitter.EnumerateMatches(text))
            {
                CountSegment(text[start..match.Index], lookup);
                start = match.Index + match.Length;
            }
        }
        CountSegment(text[start..], lookup);
    }

    private void CountSegment(ReadOnlySpan<char> segment,
        Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> lookup)
    {
        foreach (var match in _preTokenizer.EnumerateMatches(segment))
        {
            if (match.Length == 0) continue;
            CollectionsMarshal.GetValueRefOrAddDefault(lookup, segment.Slice(match.Index, match.Length), out _)++;
        }
    }
}
