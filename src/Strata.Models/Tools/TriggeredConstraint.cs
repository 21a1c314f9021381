using System.Text;
using Strata.Models.Generation.Constraints;

namespace Strata.Models.Tools;

/// <summary>
/// Free text until a trigger appears (a tool call's opening), then a grammar until it closes, then free text again:
/// how a model that may either answer or call (<c>tool_choice: auto</c>) still only ever writes calls that parse
/// and validate, as llama.cpp's lazy grammars do. Free text pays nothing: no mask is computed until the trigger.
/// </summary>
public sealed class TriggeredConstraint(string trigger, GrammarConstraint grammar) : ITokenConstraint
{
    private readonly byte[] trigger = Encoding.UTF8.GetBytes(trigger);
    private readonly GrammarConstraint grammar = grammar;

    public IConstraintState Start(TokenTrie vocabulary) => new State(this, vocabulary);

    private sealed class State(TriggeredConstraint owner, TokenTrie trie) : IConstraintState
    {
        /// <summary>How many of the trigger's bytes the text ends with (while free).</summary>
        private int matched;
        private GrammarConstraint.State? inside;

        public bool IsComplete => inside is null || inside.IsComplete;

        public int Mask(Span<float> logits, IReadOnlySet<int> endOfSequence) => inside is null ? logits.Length : inside.Mask(logits, endOfSequence);

        public void Accept(int token)
        {
            if (inside is not null)
            {
                inside.Accept(token);
                if (inside.IsClosed) inside = null;
                return;
            }
            // Special tokens count by their text: a trigger may be one ([TOOL_CALLS]).
            byte[]? bytes = token < trie.TokenBytes.Count ? trie.TokenBytes[token] : null;
            bytes ??= trie.SpecialText.GetValueOrDefault(token);
            if (bytes is null) return;
            for (int i = 0; i < bytes.Length; i++)
            {
                matched = Extend(matched, bytes[i]);
                if (matched < owner.trigger.Length) continue;
                // The trigger is complete: the rest of this token is the grammar's beginning. Should it not fit (a token
                // merged across the boundary), the call is left free and the parser judges it.
                matched = 0;
                var state = owner.grammar.StartState(trie);
                inside = state.TryAccept(bytes.AsSpan(i + 1)) ? state : null;
                if (inside?.IsClosed == true) inside = null;
                return;
            }
        }

        /// <summary>The longest prefix of the trigger that the text ends with after <paramref name="b"/>.</summary>
        private int Extend(int length, byte b)
        {
            var t = owner.trigger;
            while (true)
            {
                if (t[length] == b) return length + 1;
                if (length == 0) return 0;
                // Fall back to the longest proper border of the matched prefix (short triggers: checked directly).
                int border = length - 1;
                while (border > 0 && !t.AsSpan(0, border).SequenceEqual(t.AsSpan(length - border, border))) border--;
                length = border;
            }
        }
    }
}
