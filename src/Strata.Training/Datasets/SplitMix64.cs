namespace Strata.Training.Datasets;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, fully specified generator. Batch offsets depend on its exact
/// output, so changing this file changes which batches every saved run resumes into.
/// </summary>
internal struct SplitMix64(ulong state)
{
    private const ulong Golden = 0x9E3779B97F4A7C15;
    private ulong _state = state;

    /// <summary>The SplitMix64 finaliser: a bijective, well-mixed hash of 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    public ulong Next()
    {
        _state += Golden;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>) without modulo bias (Lemire's multiply-and-reject).</summary>
    public ulong NextBelow(ulong bound)
    {
        if (bound == 0) throw new ArgumentOutOfRangeException(nameof(bound), "must be positive");
        ulong high = Math.BigMul(Next(), bound, out ulong low);
        if (low < bound)
        {
            ulong threshold = (0 - bound) % bound;
            while (low < threshold) high = Math.BigMul(Next(), bound, out low);
        }
        return high;
    }
}
