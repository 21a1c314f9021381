using System.Collections.Concurrent;

namespace Strata.Models.Generation.Constraints;

/// <summary>
/// The part every byte-recognizer constraint shares: a mask is the set of tokens whose bytes the recognizer accepts
/// from its current state, found by walking the vocabulary's trie (a rejected prefix prunes its subtree), cached per
/// state and vocabulary because recognizer states repeat (inside a string, after a comma, …), and applied with the
/// end-of-sequence tokens allowed only once the output is complete.
/// </summary>
/// <typeparam name="TState">The recognizer's state: an immutable value, so exploring a byte needs no undo.</typeparam>
/// <typeparam name="TKey">What a mask depends on; a state without a key (too deep to cache) is masked afresh.</typeparam>
internal abstract class TrieMaskState<TState, TKey>(TokenTrie trie, MaskCache<TKey> cache, TState start) : IConstraintState
    where TKey : notnull
{
    protected TState Current { get; private set; } = start;

    public abstract bool IsComplete { get; }

    protected abstract bool TryAdvance(in TState state, byte b, out TState next);

    protected abstract bool TryKey(in TState state, out TKey key);

    public int Mask(Span<float> logits, IReadOnlySet<int> endOfSequence)
    {
        int vocabulary = logits.Length;
        var allowed = TryKey(Current, out var key) ? cache.GetOrAdd(key, () => Compute(vocabulary)) : Compute(vocabulary);
        // End of sequence is allowed only once the output is complete: its logits are kept aside, not looked up per token.
        int[] ends = IsComplete ? endOfSequence.Where(id => id < vocabulary && !Allowed(allowed, id)).ToArray() : [];
        var endLogits = new float[ends.Length];
        for (int i = 0; i < ends.Length; i++) endLogits[i] = logits[ends[i]];
        int count = 0;
        for (int id = 0; id < logits.Length; id++)
        {
            if (Allowed(allowed, id)) count++;
            else logits[id] = float.NegativeInfinity;
        }
        for (int i = 0; i < ends.Length; i++) logits[ends[i]] = endLogits[i];
        return count + ends.Length;
    }

    public void Accept(int token)
    {
        if (token >= trie.TokenBytes.Count || trie.TokenBytes[token] is not { } bytes) return; // end of sequence
        var state = Current;
        foreach (byte b in bytes)
        {
            if (!TryAdvance(state, b, out state))
            {
                throw new InvalidOperationException($"token {token} does not continue the constrained output; only masked sampling may choose tokens");
            }
        }
        Current = state;
    }

    /// <summary>Moves past raw bytes (text a caller put in front of the constrained part); false, leaving the state as it was, when they do not fit.</summary>
    public bool TryAccept(ReadOnlySpan<byte> bytes)
    {
        var state = Current;
        foreach (byte b in bytes)
        {
            if (!TryAdvance(state, b, out state)) return false;
        }
        Current = state;
        return true;
    }

    private static bool Allowed(ulong[] allowed, int id) => id >> 6 < allowed.Length && (allowed[id >> 6] & (1UL << (id & 63))) != 0;

    private ulong[] Compute(int vocabulary)
    {
        var allowed = new ulong[(vocabulary + 63) / 64];
        Walk(0, Current, allowed, vocabulary);
        return allowed;
    }

    /// <summary>Depth-first over the trie from <paramref name="node"/>, the recognizer advanced along each edge.</summary>
    private void Walk(int node, TState at, ulong[] allowed, int limit)
    {
        for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
        {
            if (!TryAdvance(at, trie.EdgeByte[child], out var next)) continue;
            foreach (int id in trie.Ending[child])
            {
                if (id < limit) allowed[id >> 6] |= 1UL << (id & 63);
            }
            Walk(child, next, allowed, limit);
        }
    }
}

/// <summary>Masks by state for one constraint over one vocabulary, bounded (cleared when full: states seen again are recomputed).</summary>
internal sealed class MaskCache<TKey> where TKey : notnull
{
    public const int MaxMasks = 2048;
    private readonly ConcurrentDictionary<TKey, ulong[]> masks = new();

    public ulong[] GetOrAdd(TKey key, Func<ulong[]> compute)
    {
        if (masks.TryGetValue(key, out var mask)) return mask;
        mask = compute();
        if (masks.Count >= MaxMasks) masks.Clear();
        masks[key] = mask;
        return mask;
    }
}

/// <summary>UTF-8 as RFC 3629 defines it, for recognizers that read bytes: no overlong forms, no surrogates, nothing above U+10FFFF.</summary>
internal static class Utf8
{
    /// <summary>For a byte that starts a multi-byte character: how many continuation bytes follow and the range the first must fall in (count 0: not a valid lead byte).</summary>
    public static (byte Count, byte Low, byte High) Lead(byte b) => b switch
    {
        >= 0xC2 and <= 0xDF => (1, 0x80, 0xBF),
        0xE0 => (2, 0xA0, 0xBF),
        >= 0xE1 and <= 0xEC or 0xEE or 0xEF => (2, 0x80, 0xBF),
        0xED => (2, 0x80, 0x9F),
        0xF0 => (3, 0x90, 0xBF),
        >= 0xF1 and <= 0xF3 => (3, 0x80, 0xBF),
        0xF4 => (3, 0x80, 0x8F),
        _ => (0, 0, 0),
    };

    /// <summary>The payload bits of a lead byte that starts a character of <paramref name="continuations"/> more bytes.</summary>
    public static int LeadBits(byte b, int continuations) => b & (continuations switch { 1 => 0x1F, 2 => 0x0F, _ => 0x07 });
}
