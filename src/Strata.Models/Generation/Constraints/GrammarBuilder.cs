namespace Strata.Models.Generation.Constraints;

/// <summary>
/// Turns grammar parts into a <see cref="Grammar"/>: named rules (for recursion) are declared, defined, and the whole
/// compiled into flat alternatives of symbols, as llama.cpp's GBNF grammars are. Choices become anonymous rules;
/// repetition becomes right recursion, so the recognizer's stacks stay bounded.
/// </summary>
public sealed class GrammarBuilder
{
    /// <summary>Bounded repetitions unroll into a rule per optional copy; past this a grammar is refused as too large.</summary>
    public const int MaxSymbols = 1_000_000;

    private readonly List<GrammarPart?> definitions = [];

    public RulePart Declare()
    {
        definitions.Add(null);
        return new RulePart(definitions.Count - 1);
    }

    public void Define(RulePart rule, GrammarPart body)
    {
        if (definitions[rule.Rule] is not null) throw new InvalidOperationException($"rule {rule.Rule} is already defined");
        definitions[rule.Rule] = body;
    }

    public Grammar Build(GrammarPart root)
    {
        var compiler = new Compiler(definitions);
        return compiler.Compile(root);
    }

    private sealed class Compiler(List<GrammarPart?> definitions)
    {
        private readonly List<SymbolKind> kinds = [];
        private readonly List<int> args = [];
        private readonly List<CodePointSet> sets = [];
        private readonly Dictionary<CodePointSet, int> setIds = [];
        private readonly List<int[]?> alternatives = [];
        private readonly Dictionary<GrammarPart, int> anonymous = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<int, int> named = [];
        private readonly Queue<(int Rule, IReadOnlyList<GrammarPart> Options)> pending = new();

        public Grammar Compile(GrammarPart root)
        {
            int rootRule = NewRule([root]);
            while (pending.TryDequeue(out var work))
            {
                var starts = new int[work.Options.Count];
                for (int i = 0; i < starts.Length; i++)
                {
                    starts[i] = kinds.Count;
                    Emit(work.Options[i]);
                    Add(SymbolKind.End, 0);
                }
                alternatives[work.Rule] = starts;
            }
            return new Grammar([.. kinds], [.. args], [.. sets], alternatives.Select(a => a!).ToArray(), rootRule);
        }

        private int NewRule(IReadOnlyList<GrammarPart> options)
        {
            alternatives.Add(null);
            pending.Enqueue((alternatives.Count - 1, options));
            return alternatives.Count - 1;
        }

        private void Add(SymbolKind kind, int arg)
        {
            if (kinds.Count >= MaxSymbols) throw new GrammarTooLargeException($"the grammar needs more than {MaxSymbols:N0} symbols (long bounded repetitions unroll)");
            kinds.Add(kind);
            args.Add(arg);
        }

        private void Emit(GrammarPart part)
        {
            switch (part)
            {
                case CharsPart chars:
                    if (!setIds.TryGetValue(chars.Set, out int id))
                    {
                        id = sets.Count;
                        sets.Add(chars.Set);
                        setIds[chars.Set] = id;
                    }
                    Add(SymbolKind.Chars, id);
                    break;
                case SequencePart sequence:
                    foreach (var item in sequence.Parts) Emit(item);
                    break;
                case ChoicePart choice when choice.Options.Count == 1:
                    Emit(choice.Options[0]);
                    break;
                case ChoicePart choice:
                    if (!anonymous.TryGetValue(choice, out int rule)) anonymous[choice] = rule = NewRule(choice.Options);
                    Add(SymbolKind.Rule, rule);
                    break;
                case RulePart reference:
                    if (!named.TryGetValue(reference.Rule, out int target))
                    {
                        var body = definitions[reference.Rule] ?? throw new InvalidOperationException($"rule {reference.Rule} is declared but never defined");
                        named[reference.Rule] = target = NewRule([body]);
                    }
                    Add(SymbolKind.Rule, target);
                    break;
                case StarSelf self:
                    Add(SymbolKind.Rule, self.CompiledRule);
                    break;
                case RepeatPart repeat:
                    EmitRepeat(repeat);
                    break;
                default:
                    throw new ArgumentException($"unknown grammar part {part.GetType().Name}");
            }
        }

        private void EmitRepeat(RepeatPart repeat)
        {
            if (repeat.Min < 0 || repeat.Max < repeat.Min) throw new ArgumentException($"repetition {{{repeat.Min},{repeat.Max}}} is empty");
            for (int i = 0; i < repeat.Min; i++) Emit(repeat.Body);
            if (repeat.Max is null)
            {
                // star ::= body star | ε — the recursive reference is last, so the recognizer pops before pushing.
                if (!anonymous.TryGetValue(repeat, out int star))
                {
                    alternatives.Add(null);
                    star = alternatives.Count - 1;
                    anonymous[repeat] = star;
                    var self = new StarSelf(star);
                    pending.Enqueue((star, [new SequencePart([repeat.Body, self]), GrammarPart.Empty]));
                }
                Add(SymbolKind.Rule, star);
                return;
            }
            // optional_k ::= body optional_{k-1} | ε, nested, one rule per optional copy.
            GrammarPart tail = GrammarPart.Empty;
            for (int i = repeat.Min; i < repeat.Max; i++) tail = new ChoicePart([new SequencePart([repeat.Body, tail]), GrammarPart.Empty]);
            Emit(tail);
        }

        /// <summary>A star rule's reference to itself, by compiled id.</summary>
        private sealed record StarSelf(int CompiledRule) : GrammarPart;
    }
}

/// <summary>The grammar a schema or pattern needs is too large to enforce.</summary>
public sealed class GrammarTooLargeException(string message) : Exception(message);

internal enum SymbolKind : byte
{
    End,
    Chars,
    Rule,
}
