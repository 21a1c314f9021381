using System.Buffers;
using System.Globalization;

namespace Strata.Data.Dedup;

/// <summary>
/// The word view that deduplication and decontamination compare: lowercase, whitespace-separated words, punctuation and
/// symbols optionally deleted (as lm-eval-harness's janitor and GPT-3's overlap check do, so <c>don't</c> becomes
/// <c>dont</c>). Diacritics and digits are kept: folding them would merge texts that differ in meaning.
/// </summary>
public static class TextNormalization
{
    // FNV-1a over UTF-16 units, finished with a murmur3 mixer: per-word hashing with no buffer per word.
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>The normalised text: words lowercased and joined by single spaces.</summary>
    /// <param name="text">Any text.</param>
    /// <param name="stripPunctuation">Delete punctuation and symbols (they then neither count nor split words).</param>
    public static string Normalize(ReadOnlySpan<char> text, bool stripPunctuation = true)
    {
        char[] buffer = ArrayPool<char>.Shared.Rent(Math.Max(1, text.Length));
        try
        {
            int length = Normalize(text, stripPunctuation, buffer);
            return new string(buffer, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes the normalised text (never longer than the input) and returns its length.</summary>
    internal static int Normalize(ReadOnlySpan<char> text, bool stripPunctuation, Span<char> destination)
    {
        int written = 0;
        bool inWord = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                inWord = false;
                continue;
            }
            if (stripPunctuation && IsPunctuation(c))
            {
                continue;
            }
            if (!inWord && written > 0)
            {
                destination[written++] = ' ';
            }
            inWord = true;
            destination[written++] = char.ToLowerInvariant(c);
        }
        return written;
    }

    /// <summary>
    /// One 64-bit hash per normalised word, written into <paramref name="buffer"/> (grown as needed so a thread can
    /// reuse it); returns the number of words.
    /// </summary>
    internal static int HashWords(ReadOnlySpan<char> text, bool stripPunctuation, ref ulong[] buffer)
    {
        int count = 0;
        ulong hash = FnvOffset;
        bool inWord = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    Append(ref buffer, ref count, Finish(hash));
                    inWord = false;
                    hash = FnvOffset;
                }
                continue;
            }
            if (stripPunctuation && IsPunctuation(c))
            {
                continue;
            }
            inWord = true;
            hash = (hash ^ char.ToLowerInvariant(c)) * FnvPrime;
        }
        if (inWord)
        {
            Append(ref buffer, ref count, Finish(hash));
        }
        return count;
    }

    /// <summary>The hash <see cref="HashWords"/> gives one already-normalised word (tests and short eval items).</summary>
    internal static ulong HashWord(ReadOnlySpan<char> normalizedWord)
    {
        ulong hash = FnvOffset;
        foreach (char c in normalizedWord)
        {
            hash = (hash ^ c) * FnvPrime;
        }
        return Finish(hash);
    }

    internal static bool IsPunctuation(char c) => c < 128
        ? char.IsAsciiLetterOrDigit(c) is false && c > ' ' && c != 127
        : CharUnicodeInfo.GetUnicodeCategory(c) is >= UnicodeCategory.ConnectorPunctuation and <= UnicodeCategory.OtherSymbol;

    private static void Append(ref ulong[] buffer, ref int count, ulong value)
    {
        if (count == buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(64, buffer.Length * 2));
        }
        buffer[count++] = value;
    }

    private static ulong Finish(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb53a185ec4f9UL;
        h ^= h >> 33;
        return h;
    }
}
