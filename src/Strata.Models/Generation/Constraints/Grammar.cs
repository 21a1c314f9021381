namespace Strata.Models.Generation.Constraints;

/// <summary>
/// Where a grammar's recognizer stands: which parse stacks are alive (an interned set, by id), whether one of them has
/// finished, and the bytes of a UTF-8 character begun but not ended. A plain value, so it is its own mask-cache key.
/// </summary>
public readonly record struct GrammarState(int Set, bool Accepting, byte Pending, int Partial, byte Low, byte High);

/// <summary>
/// A compiled context-free grammar over Unicode characters, recognised a byte at a time as llama.cpp recognises GBNF:
/// the state is the set of parse stacks whose next symbol is a character set, each stack a persistent list of grammar
/// positions. Stacks and stack sets are interned, and the step from a stack set on a character is remembered, so a
/// recognizer walking a vocabulary's trie mostly looks transitions up: in effect a DFA built lazily over the states
/// the output reaches. Thread-safe (one lock per grammar); left recursion is not supported (the compilers never emit it).
/// </summary>
public sealed class Grammar
{
    private const int MaxTransitions = 1 << 20;

    private readonly SymbolKind[] kinds;
    private readonly int[] args;
    private readonly CodePointSet[] sets;
    private readonly int[][] alternatives;
    private readonly object sync = new();

    /// <summary>Stack nodes: (position of the next symbol, the node below); node 0 is the empty stack (accepted).</summary>
    private readonly List<(int Position, int Parent)> nodes = [(-1, -1)];
    private readonly Dictionary<(int Position, int Parent), int> nodeIds = [];
    private readonly List<int[]> stackSets = [];
    private readonly Dictionary<string, int> stackSetIds = [];
    private readonly Dictionary<long, int> transitions = [];

    internal Grammar(SymbolKind[] kinds, int[] args, CodePointSet[] sets, int[][] alternatives, int root)
    {
        this.kinds = kinds;
        this.args = args;
        this.sets = sets;
        this.alternatives = alternatives;
        lock (sync)
        {
            var result = new HashSet<int>();
            var seen = new HashSet<int>();
            foreach (int start in alternatives[root]) Expand(Continue(start, 0), result, seen);
            int set = Intern(result);
            Start = new GrammarState(set, result.Contains(0), 0, 0, 0, 0);
        }
    }

    public GrammarState Start { get; }

    public int Symbols => kinds.Length;

    /// <summary>The text so far is a whole sentence of the grammar (no character left half-written).</summary>
    public static bool IsComplete(in GrammarState state) => state.Accepting && state.Pending == 0;

    /// <summary>
    /// The text is a whole sentence and nothing can follow it: the only live stack is the empty one (every other live
    /// stack waits for a character), so whatever comes next lies outside the grammar.
    /// </summary>
    public bool IsClosed(in GrammarState state)
    {
        if (state.Pending != 0 || !state.Accepting) return false;
        lock (sync) return stackSets[state.Set].Length == 1;
    }

    /// <summary>The state after <paramref name="b"/>, or false when no sentence of the grammar continues this way.</summary>
    public bool TryAdvance(in GrammarState state, byte b, out GrammarState next)
    {
        next = state;
        if (state.Pending > 0)
        {
            if (b < state.Low || b > state.High) return false;
            int value = (state.Partial << 6) | (b & 0x3F);
            if (state.Pending == 1) return Step(state.Set, value, out next);
            next = state with { Pending = (byte)(state.Pending - 1), Partial = value, Low = 0x80, High = 0xBF };
            return MayContinue(next);
        }
        if (b < 0x80) return Step(state.Set, b, out next);
        var (count, low, high) = Utf8.Lead(b);
        if (count == 0) return false;
        next = state with { Pending = count, Partial = Utf8.LeadBits(b, count), Low = low, High = high };
        return MayContinue(next);
    }

    /// <summary>Whether any live stack accepts some character that starts with the bytes pending: prunes multi-byte subtrees early.</summary>
    private bool MayContinue(in GrammarState state)
    {
        // The next byte lies in [Low, High]; the bytes after it are free continuation bytes.
        int rest = 6 * (state.Pending - 1);
        int low = ((state.Partial << 6) | (state.Low & 0x3F)) << rest;
        int high = (((state.Partial << 6) | (state.High & 0x3F)) << rest) | ((1 << rest) - 1);
        lock (sync)
        {
            foreach (int node in stackSets[state.Set])
            {
                if (node == 0) continue;
                foreach (var (rangeLow, rangeHigh) in sets[args[nodes[node].Position]].Ranges)
                {
                    if (rangeLow <= high && rangeHigh >= low) return true;
                }
            }
        }
        return false;
    }

    private bool Step(int set, int codePoint, out GrammarState next)
    {
        next = default;
        int target;
        lock (sync)
        {
            long key = ((long)set << 21) | (uint)codePoint;
            if (!transitions.TryGetValue(key, out target))
            {
                var result = new HashSet<int>();
                var seen = new HashSet<int>();
                foreach (int node in stackSets[set])
                {
                    if (node == 0) continue;
                    var (position, parent) = nodes[node];
                    if (sets[args[position]].Contains(codePoint)) Expand(Continue(position + 1, parent), result, seen);
                }
                target = result.Count == 0 ? -1 : Intern(result);
                if (transitions.Count >= MaxTransitions) transitions.Clear();
                transitions[key] = target;
            }
            if (target < 0) return false;
            next = new GrammarState(target, stackSets[target].Length > 0 && stackSets[target][0] == 0, 0, 0, 0, 0);
        }
        return true;
    }

    /// <summary>The node for "next, match the symbol at <paramref name="position"/>, then go on with <paramref name="parent"/>"; a finished alternative is popped at once.</summary>
    private int Continue(int position, int parent) => kinds[position] == SymbolKind.End ? parent : Node(position, parent);

    private int Node(int position, int parent)
    {
        if (nodeIds.TryGetValue((position, parent), out int id)) return id;
        id = nodes.Count;
        nodes.Add((position, parent));
        nodeIds[(position, parent)] = id;
        return id;
    }

    /// <summary>Adds to <paramref name="result"/> the stacks reachable from <paramref name="node"/> whose next symbol is a character set (or the empty stack).</summary>
    private void Expand(int node, HashSet<int> result, HashSet<int> seen)
    {
        if (!seen.Add(node)) return;
        if (node == 0)
        {
            result.Add(0);
            return;
        }
        var (position, parent) = nodes[node];
        if (kinds[position] == SymbolKind.Chars)
        {
            result.Add(node);
            return;
        }
        // A rule: its continuation goes below, then each alternative on top (an empty one is popped straight to it).
        int continuation = Continue(position + 1, parent);
        foreach (int start in alternatives[args[position]]) Expand(Continue(start, continuation), result, seen);
    }

    private int Intern(HashSet<int> stacks)
    {
        int[] sorted = [.. stacks.Order()];
        string key = string.Join(',', sorted);
        if (stackSetIds.TryGetValue(key, out int id)) return id;
        id = stackSets.Count;
        stackSets.Add(sorted);
        stackSetIds[key] = id;
        return id;
    }
}

/// <summary>Output that follows a grammar (a JSON Schema's, a regular expression's), enforced token by token.</summary>
public sealed class GrammarConstraint(Grammar grammar) : ITokenConstraint
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<TokenTrie, MaskCache<GrammarState>> masks = [];

    public Grammar Grammar { get; } = grammar;

    public IConstraintState Start(TokenTrie vocabulary) => StartState(vocabulary);

    internal State StartState(TokenTrie vocabulary) => new(vocabulary, Grammar, masks.GetValue(vocabulary, _ => new()));

    internal sealed class State(TokenTrie trie, Grammar grammar, MaskCache<GrammarState> cache)
        : TrieMaskState<GrammarState, GrammarState>(trie, cache, grammar.Start)
    {
        public override bool IsComplete => Grammar.IsComplete(Current);

        /// <summary>The grammar is complete and nothing can follow, so whatever comes next is outside it.</summary>
        public bool IsClosed => grammar.IsClosed(Current);

        protected override bool TryAdvance(in GrammarState state, byte b, out GrammarState next) => grammar.TryAdvance(state, b, out next);

        protected override bool TryKey(in GrammarState state, out GrammarState key)
        {
            key = state;
            return true;
        }
    }
}
