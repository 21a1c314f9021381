namespace Strata.Models.Generation.Constraints;

/// <summary>
/// A piece of a context-free grammar over Unicode characters, the form the JSON Schema and regular-expression
/// compilers produce and <see cref="Grammar"/> compiles. Recursion goes through named rules (<see cref="RulePart"/>).
/// </summary>
public abstract record GrammarPart
{
    public static GrammarPart Empty { get; } = new SequencePart([]);

    public static GrammarPart Literal(string text) =>
        new SequencePart(text.EnumerateRunes().Select(r => (GrammarPart)new CharsPart(CodePointSet.Single(r.Value))).ToArray());

    public static GrammarPart Sequence(params GrammarPart[] parts) => parts.Length == 1 ? parts[0] : new SequencePart(parts);

    public static GrammarPart Choice(params GrammarPart[] options) => options.Length == 1 ? options[0] : new ChoicePart(options);

    public static GrammarPart Chars(CodePointSet set) => new CharsPart(set);

    public static GrammarPart Optional(GrammarPart body) => new RepeatPart(body, 0, 1);

    public static GrammarPart Repeat(GrammarPart body, int min, int? max) => new RepeatPart(body, min, max);
}

/// <summary>One character from a set.</summary>
public sealed record CharsPart(CodePointSet Set) : GrammarPart;

public sealed record SequencePart(IReadOnlyList<GrammarPart> Parts) : GrammarPart;

public sealed record ChoicePart(IReadOnlyList<GrammarPart> Options) : GrammarPart;

/// <summary><paramref name="Body"/> between <paramref name="Min"/> and <paramref name="Max"/> times (null: unbounded).</summary>
public sealed record RepeatPart(GrammarPart Body, int Min, int? Max) : GrammarPart;

/// <summary>A reference to a rule declared with <see cref="GrammarBuilder.Declare"/>, which may be defined later (recursion).</summary>
public sealed record RulePart(int Rule) : GrammarPart;
