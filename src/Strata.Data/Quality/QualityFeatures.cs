using System.Text;
using Strata.Data.Dedup;

namespace Strata.Data.Quality;

/// <summary>
/// A document as a sparse vector for the quality classifier (the hashed bag of n-grams fastText-style filters such as
/// DCLM's use): the normalised words (<see cref="TextNormalization"/>: lowercase, punctuation deleted) and their
/// adjacent pairs, each hashed (FNV-1a 64 over its UTF-8 bytes) into <c>dimension</c> buckets, weighted 1 + ln(count)
/// and scaled to unit length.
/// </summary>
public static class QualityFeatures
{
    private const ulong FnvOffset = 14695981039346656037UL, FnvPrime = 1099511628211UL;

    /// <summary>Bucket indices (ascending, distinct) and their values.</summary>
    public static (int[] Indices, float[] Values) Of(string text, int dimension)
    {
        string[] words = TextNormalization.Normalize(text).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var counts = new Dictionary<int, int>();
        void Add(string feature)
        {
            int bucket = (int)(Hash(feature) % (ulong)dimension);
            counts[bucket] = counts.GetValueOrDefault(bucket) + 1;
        }
        for (int i = 0; i < words.Length; i++)
        {
            Add(words[i]);
            if (i + 1 < words.Length) Add(words[i] + " " + words[i + 1]);
        }
        int[] indices = [.. counts.Keys.Order()];
        var values = new float[indices.Length];
        double norm = 0;
        for (int i = 0; i < indices.Length; i++)
        {
            double value = 1 + Math.Log(counts[indices[i]]);
            values[i] = (float)value;
            norm += value * value;
        }
        if (norm > 0)
        {
            float scale = (float)(1 / Math.Sqrt(norm));
            for (int i = 0; i < values.Length; i++) values[i] *= scale;
        }
        return (indices, values);
    }

    private static ulong Hash(string feature)
    {
        ulong hash = FnvOffset;
        foreach (byte b in Encoding.UTF8.GetBytes(feature))
        {
            hash ^= b;
            hash *= FnvPrime;
        }
        return hash;
    }
}
