namespace Strata.Models.Generation.Constraints;

/// <summary>
/// A rule the generated text must follow, enforced token by token by masking the logits (constrained decoding): an
/// immutable description, shared by every sequence that uses it; each sequence starts its own <see cref="IConstraintState"/>.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>A fresh state for one sequence over a tokenizer's vocabulary.</summary>
    IConstraintState Start(TokenTrie vocabulary);
}

/// <summary>One sequence's progress through a constraint.</summary>
public interface IConstraintState
{
    /// <summary>Whether the text so far is a whole valid output (so ending it now is allowed).</summary>
    bool IsComplete { get; }

    /// <summary>Sets every token that cannot continue the text to −∞; end-of-sequence tokens stay only when the text is complete.</summary>
    /// <returns>How many tokens remain allowed (end-of-sequence included).</returns>
    int Mask(Span<float> logits, IReadOnlySet<int> endOfSequence);

    /// <summary>Moves past a token the mask allowed.</summary>
    void Accept(int token);
}

/// <summary>Any JSON document, or (<see cref="Object"/>) a JSON object, as OpenAI's <c>response_format: json_object</c>.</summary>
/// <remarks>
/// A mask depends only on the recognizer's state, and JSON's states repeat (inside a string, after a comma, …), so each
/// state's mask is computed once per vocabulary by walking the trie and then reused by every sequence (a walk over a
/// 49,152-token vocabulary takes milliseconds; applying a cached mask, microseconds). The cache key holds the open
/// containers up to 64 deep; deeper documents are masked without the cache.
/// </remarks>
public sealed class JsonConstraint : ITokenConstraint
{
    private const int MaxCachedMasks = 4096;
    private readonly bool objectOnly;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<TokenTrie, System.Collections.Concurrent.ConcurrentDictionary<StateKey, ulong[]>> masks = [];

    private JsonConstraint(bool objectOnly) => this.objectOnly = objectOnly;

    public static JsonConstraint AnyValue { get; } = new(false);

    public static JsonConstraint Object { get; } = new(true);

    public IConstraintState Start(TokenTrie vocabulary) => new State(vocabulary, objectOnly, masks.GetValue(vocabulary, _ => new()));

    /// <summary>Everything a mask depends on: the recognizer's scalar fields and the open containers, one bit each.</summary>
    private readonly record struct StateKey(JsonMode Mode, byte Escape, byte Continuations, byte NextLow, byte NextHigh, bool StringIsKey,
        NumberPhase Number, byte Literal, byte LiteralRead, byte Whitespace, int Depth, ulong Containers)
    {
        public static StateKey? Of(in JsonState state)
        {
            int depth = 0;
            ulong containers = 0;
            for (var frame = state.Stack; frame is not null; frame = frame.Outer)
            {
                if (depth == 64) return null;
                if (frame.IsObject) containers |= 1UL << depth;
                depth++;
            }
            return new StateKey(state.Mode, state.Escape, state.Continuations, state.NextLow, state.NextHigh, state.StringIsKey,
                state.Number, state.Literal, state.LiteralRead, state.Whitespace, depth, containers);
        }
    }

    private sealed class State(TokenTrie trie, bool objectOnly, System.Collections.Concurrent.ConcurrentDictionary<StateKey, ulong[]> cache) : IConstraintState
    {
        private JsonState state = JsonRecognizer.Start;

        public bool IsComplete => JsonRecognizer.IsComplete(state);

        public int Mask(Span<float> logits, IReadOnlySet<int> endOfSequence)
        {
            ulong[] allowed;
            if (StateKey.Of(state) is { } key)
            {
                if (!cache.TryGetValue(key, out allowed!))
                {
                    allowed = Compute(logits.Length);
                    if (cache.Count >= MaxCachedMasks) cache.Clear();
                    cache[key] = allowed;
                }
            }
            else
            {
                allowed = Compute(logits.Length);
            }
            // End of sequence is allowed only once the document is complete: its logits are kept aside, not looked up per token.
            bool complete = IsComplete;
            int vocabulary = logits.Length;
            int[] ends = complete ? endOfSequence.Where(id => id < vocabulary && !Allowed(allowed, id)).ToArray() : [];
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

        private static bool Allowed(ulong[] allowed, int id) => id >> 6 < allowed.Length && (allowed[id >> 6] & (1UL << (id & 63))) != 0;

        private ulong[] Compute(int vocabulary)
        {
            var allowed = new ulong[(vocabulary + 63) / 64];
            Walk(0, state, allowed, vocabulary);
            return allowed;
        }

        /// <summary>Depth-first over the trie from <paramref name="node"/>, the recognizer advanced along each edge; a rejected byte prunes its subtree.</summary>
        private void Walk(int node, JsonState at, ulong[] allowed, int limit)
        {
            for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
            {
                if (!JsonRecognizer.TryAdvance(at, trie.EdgeByte[child], objectOnly, out var next)) continue;
                foreach (int id in trie.Ending[child])
                {
                    if (id < limit) allowed[id >> 6] |= 1UL << (id & 63);
                }
                Walk(child, next, allowed, limit);
            }
        }

        public void Accept(int token)
        {
            if (token >= trie.TokenBytes.Count || trie.TokenBytes[token] is not { } bytes) return; // end of sequence
            foreach (byte b in bytes)
            {
                if (!JsonRecognizer.TryAdvance(state, b, objectOnly, out state))
                {
                    throw new InvalidOperationException($"token {token} does not continue the JSON document; only masked sampling may choose tokens");
                }
            }
        }
    }
}
