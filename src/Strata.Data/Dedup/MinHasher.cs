using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Strata.Data.Dedup;

/// <summary>
/// Computes MinHash signatures (the per-document near-dup fingerprint). Each word is hashed once, each n-gram once from
/// its words' hashes (64-bit XXH3, folded to a 32-bit key x), and the k permutations are Dietzfelbinger's
/// multiply-add-shift h_i(x) = ((a_i·x + b_i) mod 2^64) div 2^32 with random 64-bit a_i, b_i: a strongly universal
/// family with 32-bit values, the width datatrove keeps (it masks its hashes to 32 bits). It needs no 128-bit product,
/// so four permutations of shingles run per AVX2 instruction pair. (A mod-(2^61 − 1) family restricted to 32-bit
/// multipliers, tried first, is nearly monotone in x and lost 3 points of precision on the mutated-Shakespeare set.)
/// Stateless and thread-safe; per-thread buffers keep it allocation-light.
/// </summary>
public sealed class MinHasher
{
    [ThreadStatic]
    private static ulong[]? _words;

    [ThreadStatic]
    private static ulong[]? _shingles;

    private readonly ulong[] _a;
    private readonly ulong[] _b;

    /// <summary>Creates a hasher; the permutations depend only on the options.</summary>
    public MinHasher(MinHashOptions? options = null)
    {
        Options = options ?? new MinHashOptions();
        if (Options.NGram < 1 || Options.Bands < 1 || Options.Rows < 1)
        {
            throw new ArgumentException("n-gram size, bands and rows must be positive", nameof(options));
        }
        _a = new ulong[Options.SignatureLength];
        _b = new ulong[Options.SignatureLength];
        // SplitMix64 rather than System.Random: signatures must not change with the runtime's generator.
        ulong state = Options.Seed;
        for (int i = 0; i < _a.Length; i++)
        {
            _a[i] = SplitMix64(ref state);
            _b[i] = SplitMix64(ref state);
        }
    }

    /// <summary>The settings the signatures are made with.</summary>
    public MinHashOptions Options { get; }

    /// <summary>The MinHash signature of <paramref name="text"/> (length <see cref="MinHashOptions.SignatureLength"/>).</summary>
    public ulong[] Signature(ReadOnlySpan<char> text)
    {
        var signature = new ulong[Options.SignatureLength];
        Signature(text, signature);
        return signature;
    }

    /// <summary>
    /// Writes the signature into <paramref name="destination"/>. A text with no words gets all-maximum values, so
    /// empty documents fall together as duplicates of each other.
    /// </summary>
    public void Signature(ReadOnlySpan<char> text, Span<ulong> destination)
    {
        if (destination.Length != _a.Length)
        {
            throw new ArgumentException($"destination must hold {_a.Length} values", nameof(destination));
        }
        destination.Fill(ulong.MaxValue);
        var words = _words ??= new ulong[256];
        int count = TextNormalization.HashWords(text, Options.StripPunctuation, ref words);
        _words = words;
        if (count == 0)
        {
            return;
        }
        int n = Math.Min(Options.NGram, count);
        int shingleCount = count - n + 1;
        var shingles = _shingles is { } cached && cached.Length >= shingleCount ? cached : new ulong[Math.Max(shingleCount, 256)];
        _shingles = shingles;
        for (int start = 0; start < shingleCount; start++)
        {
            ulong shingle = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(words.AsSpan(start, n)));
            shingles[start] = (uint)(shingle ^ (shingle >> 32));
        }
        // Permutation-major: each permutation's a, b and running minimum stay in registers over a contiguous array,
        // about twice as fast as updating all k minima per shingle.
        ReadOnlySpan<ulong> xs = shingles.AsSpan(0, shingleCount);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = Minimum(_a[i], _b[i], xs);
    }

    /// <summary>min over 32-bit keys x of h(x) = (a·x + b) mod 2^64, shifted down 32 bits.</summary>
    internal static ulong Minimum(ulong a, ulong b, ReadOnlySpan<ulong> xs)
    {
        ulong min = ulong.MaxValue;
        int k = 0;
        if (Avx2.IsSupported && xs.Length >= Vector256<ulong>.Count)
        {
            // a·x mod 2^64 = a_low·x + (a_high·x << 32): two 32×32→64 multiplies per lane.
            var low = Vector256.Create(a & uint.MaxValue).AsUInt32();
            var high = Vector256.Create(a >> 32).AsUInt32();
            var bv = Vector256.Create(b);
            var lanes = Vector256.Create(ulong.MaxValue);
            foreach (var x in MemoryMarshal.Cast<ulong, Vector256<ulong>>(xs))
            {
                var keys = x.AsUInt32();
                var h = (Avx2.Multiply(keys, low) + (Avx2.Multiply(keys, high) << 32) + bv) >>> 32;
                lanes = Vector256.Min(lanes, h);
            }
            for (int lane = 0; lane < Vector256<ulong>.Count; lane++) min = Math.Min(min, lanes[lane]);
            k = xs.Length / Vector256<ulong>.Count * Vector256<ulong>.Count;
        }
        for (; k < xs.Length; k++) min = Math.Min(min, Permute(a, b, xs[k]));
        return min;
    }

    /// <summary>
    /// The fingerprint the global step needs: one 64-bit hash per band of the signature (r values each). Storing these
    /// instead of the signature cuts the per-document state from 8·b·r to 8·b bytes.
    /// </summary>
    public ulong[] BandHashes(ReadOnlySpan<ulong> signature)
    {
        var bands = new ulong[Options.Bands];
        WriteBandHashes(signature, bands, Options);
        return bands;
    }

    /// <summary>Signature then band hashes of <paramref name="text"/> in one call.</summary>
    public ulong[] Fingerprint(ReadOnlySpan<char> text)
    {
        Span<ulong> signature = Options.SignatureLength <= 1024 ? stackalloc ulong[Options.SignatureLength] : new ulong[Options.SignatureLength];
        Signature(text, signature);
        return BandHashes(signature);
    }

    internal static void WriteBandHashes(ReadOnlySpan<ulong> signature, Span<ulong> destination, MinHashOptions options)
    {
        if (signature.Length != options.SignatureLength)
        {
            throw new ArgumentException($"signature must hold {options.SignatureLength} values", nameof(signature));
        }
        for (int band = 0; band < options.Bands; band++)
        {
            // The band index is the seed so equal rows in different bands do not meet in one bucket space.
            destination[band] = XxHash3.HashToUInt64(
                MemoryMarshal.AsBytes(signature.Slice(band * options.Rows, options.Rows)), band);
        }
    }

    internal static ulong Permute(ulong a, ulong b, ulong x) => unchecked(a * x + b) >> 32;

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
