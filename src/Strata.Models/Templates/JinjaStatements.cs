namespace Strata.Models.Templates;

/// <summary>A statement (tag or text) of a parsed template.</summary>
internal abstract record JinjaStatement(int Line, int Column);

/// <summary>Literal template text, whitespace control already applied by the lexer.</summary>
internal sealed record TextStatement(string Text, int Line, int Column) : JinjaStatement(Line, Column);

/// <summary><c>{{ expression }}</c>.</summary>
internal sealed record OutputStatement(JinjaExpression Expression, int Line, int Column) : JinjaStatement(Line, Column);

internal sealed record IfStatement(IReadOnlyList<(JinjaExpression Condition, IReadOnlyList<JinjaStatement> Body)> Branches, IReadOnlyList<JinjaStatement> Else, int Line, int Column)
    : JinjaStatement(Line, Column);

/// <summary><c>{% for target in iterable [if filter] %}body{% else %}empty{% endfor %}</c>; the target is a name or a tuple of names.</summary>
internal sealed record ForStatement(JinjaExpression Target, JinjaExpression Iterable, JinjaExpression? Filter, IReadOnlyList<JinjaStatement> Body, IReadOnlyList<JinjaStatement> Else, int Line, int Column)
    : JinjaStatement(Line, Column);

/// <summary><c>{% set target = value %}</c>; the target is a name, a tuple of names or <c>namespace.attribute</c>.</summary>
internal sealed record SetStatement(JinjaExpression Target, JinjaExpression Value, int Line, int Column) : JinjaStatement(Line, Column);

/// <summary><c>{% set target | filters %}body{% endset %}</c>: the rendered body (through the filters) is assigned.</summary>
internal sealed record SetBlockStatement(JinjaExpression Target, IReadOnlyList<FilterCall> Filters, IReadOnlyList<JinjaStatement> Body, int Line, int Column)
    : JinjaStatement(Line, Column);

internal sealed record MacroParameter(string Name, JinjaExpression? Default);

internal sealed record MacroStatement(string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<JinjaStatement> Body, int Line, int Column)
    : JinjaStatement(Line, Column);

/// <summary><c>{% call macro(args) %}body{% endcall %}</c>: the macro can render the body with <c>caller()</c>.</summary>
internal sealed record CallBlockStatement(CallExpression Call, IReadOnlyList<MacroParameter> CallerParameters, IReadOnlyList<JinjaStatement> Body, int Line, int Column)
    : JinjaStatement(Line, Column);

/// <summary><c>{% filter name(args) %}body{% endfilter %}</c>; the filters apply in order to the rendered body.</summary>
internal sealed record FilterBlockStatement(IReadOnlyList<FilterCall> Filters, IReadOnlyList<JinjaStatement> Body, int Line, int Column)
    : JinjaStatement(Line, Column);

internal sealed record BreakStatement(int Line, int Column) : JinjaStatement(Line, Column);

internal sealed record ContinueStatement(int Line, int Column) : JinjaStatement(Line, Column);
