namespace Strata.Models.Templates;

/// <summary>An expression of the template language; <see cref="Line"/> and <see cref="Column"/> locate runtime errors.</summary>
internal abstract record JinjaExpression(int Line, int Column);

/// <summary>A string, number, boolean or none literal; <see cref="Value"/> is already a runtime value.</summary>
internal sealed record LiteralExpression(object? Value, int Line, int Column) : JinjaExpression(Line, Column);

internal sealed record NameExpression(string Name, int Line, int Column) : JinjaExpression(Line, Column);

internal sealed record ListExpression(IReadOnlyList<JinjaExpression> Items, int Line, int Column) : JinjaExpression(Line, Column);

internal sealed record TupleExpression(IReadOnlyList<JinjaExpression> Items, int Line, int Column) : JinjaExpression(Line, Column);

internal sealed record DictExpression(IReadOnlyList<(JinjaExpression Key, JinjaExpression Value)> Pairs, int Line, int Column)
    : JinjaExpression(Line, Column);

/// <summary><c>obj.name</c>: an attribute first (a str or dict method), then an item, as Jinja's getattr does.</summary>
internal sealed record AttributeExpression(JinjaExpression Target, string Name, int Line, int Column) : JinjaExpression(Line, Column);

/// <summary><c>obj[key]</c>: an item first, then an attribute, as Jinja's getitem does.</summary>
internal sealed record ItemExpression(JinjaExpression Target, JinjaExpression Key, int Line, int Column) : JinjaExpression(Line, Column);

internal sealed record SliceExpression(JinjaExpression Target, JinjaExpression? Start, JinjaExpression? Stop, JinjaExpression? Step, int Line, int Column)
    : JinjaExpression(Line, Column);

/// <summary>Positional and keyword arguments of a call, filter or test, in source order within each kind.</summary>
internal sealed record JinjaArgumentList(IReadOnlyList<JinjaExpression> Positional, IReadOnlyList<(string Name, JinjaExpression Value)> Keywords)
{
    public static readonly JinjaArgumentList Empty = new([], []);
}

internal sealed record CallExpression(JinjaExpression Callee, JinjaArgumentList Arguments, int Line, int Column) : JinjaExpression(Line, Column);

/// <summary>One filter application, <c>| name(arguments)</c>, in an expression or a filter/set block.</summary>
internal sealed record FilterCall(string Name, JinjaArgumentList Arguments, int Line, int Column);

/// <summary><c>operand | name(arguments)</c>.</summary>
internal sealed record FilterExpression(JinjaExpression Operand, FilterCall Filter, int Line, int Column) : JinjaExpression(Line, Column);

/// <summary><c>operand is [not] name(arguments)</c>.</summary>
internal sealed record TestExpression(JinjaExpression Operand, string Name, JinjaArgumentList Arguments, bool Negated, int Line, int Column)
    : JinjaExpression(Line, Column);

/// <summary><c>not</c>, unary <c>-</c> or unary <c>+</c>.</summary>
internal sealed record UnaryExpression(string Operator, JinjaExpression Operand, int Line, int Column) : JinjaExpression(Line, Column);

/// <summary>Arithmetic, <c>~</c>, <c>and</c>, <c>or</c>.</summary>
internal sealed record BinaryExpression(string Operator, JinjaExpression Left, JinjaExpression Right, int Line, int Column)
    : JinjaExpression(Line, Column);

/// <summary>A comparison chain such as <c>a &lt; b &lt;= c</c>; operators include <c>in</c> and <c>not in</c>.</summary>
internal sealed record CompareExpression(JinjaExpression First, IReadOnlyList<(string Operator, JinjaExpression Operand)> Rest, int Line, int Column)
    : JinjaExpression(Line, Column);

/// <summary><c>then if condition else otherwise</c>; a missing else yields undefined.</summary>
internal sealed record ConditionalExpression(JinjaExpression Condition, JinjaExpression Then, JinjaExpression? Otherwise, int Line, int Column)
    : JinjaExpression(Line, Column);
