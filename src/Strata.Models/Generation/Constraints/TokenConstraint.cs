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
public sealed class JsonConstraint : ITokenConstraint
{
    private readonly bool objectOnly;

    private JsonConstraint(bool objectOnly) => this.objectOnly = objectOnly;

    public static JsonConstraint AnyValue { get; } = new(false);

    public static JsonConstraint Object { get; } = new(true);

    public IConstraintState Start(TokenTrie vocabulary) => new State(vocabulary, objectOnly);

    private sealed class State(TokenTrie trie, bool objectOnly) : IConstraintState
    {
        private JsonState state = JsonRecognizer.Start;
        private bool[] allowed = [];

        public bool IsComplete => JsonRecognizer.IsComplete(state);

        public int Mask(Span<float> logits, IReadOnlySet<int> endOfSequence)
        {
            if (allowed.Length != logits.Length) allowed = new bool[logits.Length];
            else Array.Clear(allowed);
            int count = 0;
            Walk(0, state, ref count, logits.Length);
            if (IsComplete)
            {
                foreach (int id in endOfSequence)
                {
                    if (id < allowed.Length && !allowed[id])
                    {
                        allowed[id] = true;
                        count++;
                    }
                }
            }
            for (int id = 0; id < logits.Length; id++)
            {
                if (!allowed[id]) logits[id] = float.NegativeInfinity;
            }
            return count;
        }

        /// <summary>Depth-first over the trie from <paramref name="node"/>, the recognizer advanced along each edge; a rejected byte prunes its subtree.</summary>
        private void Walk(int node, JsonState at, ref int count, int limit)
        {
            for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
            {
                if (!JsonRecognizer.TryAdvance(at, trie.EdgeByte[child], objectOnly, out var next)) continue;
                foreach (int id in trie.Ending[child])
                {
                    if (id < limit && !allowed[id])
                    {
                        allowed[id] = true;
                        count++;
                    }
                }
                Walk(child, next, ref count, limit);
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
