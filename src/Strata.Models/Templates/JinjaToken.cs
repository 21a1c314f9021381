namespace Strata.Models.Templates;

internal enum JinjaTokenKind
{
    /// <summary>Literal text between tags, already whitespace-controlled.</summary>
    Data,
    BlockBegin,
    BlockEnd,
    VariableBegin,
    VariableEnd,
    Name,
    String,
    Integer,
    Float,
    /// <summary>Punctuation or an operator such as <c>==</c>, <c>|</c> or <c>(</c>; its text is in <see cref="JinjaToken.Text"/>.</summary>
    Operator,
    End,
}

/// <summary>One lexical token with its 1-based place in the source, for error messages.</summary>
internal readonly record struct JinjaToken(JinjaTokenKind Kind, string Text, int Line, int Column)
{
    public bool IsOperator(string op) => Kind == JinjaTokenKind.Operator && Text == op;

    public bool IsName(string name) => Kind == JinjaTokenKind.Name && Text == name;

    public override string ToString() => Kind switch
    {
        JinjaTokenKind.End => "end of template",
        JinjaTokenKind.BlockEnd => "'%}'",
        JinjaTokenKind.VariableEnd => "'}}'",
        JinjaTokenKind.Data => "template text",
        _ => $"'{Text}'",
    };
}
