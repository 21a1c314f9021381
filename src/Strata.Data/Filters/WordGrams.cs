namespace Strata.Data.Filters;

/// <summary>
/// Word n-grams of one text as (hash, length in code points) pairs instead of strings: datatrove compares the
/// n-grams as joined strings, and building each of those strings for n = 2…10 over every word was most of the
/// repetition filter's time. Two hashes over the characters, of the words joined by spaces and of the words
/// concatenated, let any n-gram's string hash be read off in O(1): equal strings give equal keys; a collision
/// of two different strings on 64 bits and on length is vanishingly unlikely.
/// </summary>
/// <remarks>
/// One instance per thread is loaded with each document in turn (<see cref="For"/>), so its arrays are allocated once
/// and grow to the longest document rather than being allocated, often on the large-object heap, per document.
/// </remarks>
internal sealed class WordGrams
{
    private const ulong Base = 0x100000001B3;   // odd, so powers never vanish modulo 2⁶⁴

    [ThreadStatic] private static WordGrams? perThread;

    private int[] start = new int[1];         // where word i starts in the concatenation
    private int[] codePoints = new int[1];    // code points of words 0 … i−1
    private ulong[] prefix = new ulong[1];    // polynomial hash of the first k characters of the concatenation
    private ulong[] power = [1];

    private WordGrams()
    {
    }

    /// <summary>This thread's instance, loaded with <paramref name="words"/>; valid until the thread's next call.</summary>
    public static WordGrams For(IReadOnlyList<string> words)
    {
        var grams = perThread ??= new WordGrams();
        grams.Load(words);
        return grams;
    }

    public int Count { get; private set; }

    private void Load(IReadOnlyList<string> words)
    {
        Count = words.Count;
        Grow(ref start, Count + 1);
        Grow(ref codePoints, Count + 1);
        for (int i = 0; i < Count; i++)
        {
            start[i + 1] = start[i] + words[i].Length;
            codePoints[i + 1] = codePoints[i] + PyText.Length(words[i]);
        }
        int characters = start[Count];
        Grow(ref prefix, characters + 1);
        if (power.Length < characters + 1)
        {
            int known = power.Length;
            Array.Resize(ref power, Math.Max(characters + 1, 2 * known));
            for (int k = known; k < power.Length; k++)
                power[k] = power[k - 1] * Base;
        }
        int at = 0;
        foreach (string word in words)
        {
            foreach (char c in word)
            {
                prefix[at + 1] = prefix[at] * Base + c;
                at++;
            }
        }
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
            array = new T[Math.Max(length, 2 * array.Length)];
    }

    /// <summary>Words i … i+n−1 concatenated (datatrove's <c>"".join</c>): key and code-point length.</summary>
    public (ulong Hash, int Length) Concatenated(int i, int n) =>
        (Range(start[i], start[i + n]), codePoints[i + n] - codePoints[i]);

    /// <summary>Words i … i+n−1 joined by single spaces (datatrove's <c>" ".join</c>): key and code-point length.</summary>
    public (ulong Hash, int Length) Joined(int i, int n)
    {
        // hash(w0 + " " + w1 + …) built from the word hashes: each step shifts by one space and the next word.
        ulong hash = Range(start[i], start[i + 1]);
        for (int k = i + 1; k < i + n; k++)
            hash = (hash * Base + ' ') * power[start[k + 1] - start[k]] + Range(start[k], start[k + 1]);
        return (hash, codePoints[i + n] - codePoints[i] + n - 1);
    }

    private ulong Range(int from, int to) => prefix[to] - prefix[from] * power[to - from];
}
