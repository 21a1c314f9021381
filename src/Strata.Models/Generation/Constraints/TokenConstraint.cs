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
/// A mask depends only on the recognizer's state, and JSON's states repeat, so each state's mask is computed once per
/// vocabulary and reused by every sequence (a walk over a 49,152-token vocabulary takes milliseconds; applying a cached
/// mask, microseconds). The cache key holds the open containers up to 64 deep; deeper documents are masked without the cache.
/// </remarks>
public sealed class JsonConstraint : ITokenConstraint
{
    private readonly bool objectOnly;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<TokenTrie, MaskCache<StateKey>> masks = [];

    private JsonConstraint(bool objectOnly) => this.objectOnly = objectOnly;

    public static JsonConstraint AnyValue { get; } = new(false);

    public static JsonConstraint Object { get; } = new(true);

    public IConstraintState Start(TokenTrie vocabulary) => new State(vocabulary, objectOnly, masks.GetValue(vocabulary, _ => new()));

    /// <summary>Everything a mask depends on: the recognizer's scalar fields and the open containers, one bit each.</summary>
    private readonly record struct StateKey(JsonMode Mode, byte Escape, byte Continuations, byte NextLow, byte NextHigh, bool StringIsKey,
        NumberPhase Number, byte Literal, byte LiteralRead, byte Whitespace, int Depth, ulong Containers);

    private sealed class State(TokenTrie trie, bool objectOnly, MaskCache<StateKey> cache)
        : TrieMaskState<JsonState, StateKey>(trie, cache, JsonRecognizer.Start)
    {
        public override bool IsComplete => JsonRecognizer.IsComplete(Current);

        protected override bool TryAdvance(in JsonState state, byte b, out JsonState next) => JsonRecognizer.TryAdvance(state, b, objectOnly, out next);

        protected override bool TryKey(in JsonState state, out StateKey key)
        {
            key = default;
            int depth = 0;
            ulong containers = 0;
            for (var frame = state.Stack; frame is not null; frame = frame.Outer)
            {
                if (depth == 64) return false;
                if (frame.IsObject) containers |= 1UL << depth;
                depth++;
            }
            key = new StateKey(state.Mode, state.Escape, state.Continuations, state.NextLow, state.NextHigh, state.StringIsKey,
                state.Number, state.Literal, state.LiteralRead, state.Whitespace, depth, containers);
            return true;
        }
    }
}
