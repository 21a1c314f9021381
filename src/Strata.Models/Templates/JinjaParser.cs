namespace Strata.Models.Templates;

/// <summary>
/// Builds the statement tree of a template from the lexer's tokens, following Jinja2's grammar. This half reads
/// tags (<c>{% %}</c>) and text; <c>JinjaParser.Expressions.cs</c> reads expressions.
/// </summary>
internal sealed partial class JinjaParser
{
    private readonly List<JinjaToken> _tokens;
    private int _index;

    private JinjaParser(List<JinjaToken> tokens) => _tokens = tokens;

    /// <exception cref="TemplateException">A syntax error, with the line and column where it was found.</exception>
    public static IReadOnlyList<JinjaStatement> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        var (body, _) = parser.ParseBody(opener: null, []);
        return body;
    }

    private JinjaToken Current => _tokens[_index];

    private JinjaToken Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private JinjaToken Next() => _tokens[_index++];

    /// <summary>Reads statements until a block tag named in <paramref name="endTags"/>; returns them and that tag's
    /// name, leaving the stream on the tag's name.</summary>
    /// <param name="opener">The tag that opened this body, named in the error when the template ends first.</param>
    private (List<JinjaStatement> Body, string EndTag) ParseBody(JinjaToken? opener, string[] endTags)
    {
        var body = new List<JinjaStatement>();
        EnsureStack(Current);
        while (true)
        {
            JinjaToken token = Current;
            switch (token.Kind)
            {
                case JinjaTokenKind.End:
                    if (opener is { } open)
                    {
                        throw new TemplateException(
                            $"Unclosed '{open.Text}' block: the template ended while looking for {Quote(endTags)}",
                            open.Line, open.Column);
                    }
                    return (body, "");
                case JinjaTokenKind.Data:
                    Next();
                    body.Add(new TextStatement(token.Text, token.Line, token.Column));
                    break;
                case JinjaTokenKind.VariableBegin:
                    Next();
                    body.Add(new OutputStatement(ParseTuple(), token.Line, token.Column));
                    Expect(JinjaTokenKind.VariableEnd);
                    break;
                case JinjaTokenKind.BlockBegin:
                    JinjaToken name = Peek();
                    if (name.Kind == JinjaTokenKind.Name && endTags.Contains(name.Text))
                    {
                        Next();
                        return (body, name.Text);
                    }
                    Next();
                    body.AddRange(ParseStatement(token));
                    break;
                default:
                    throw Unexpected(token);
            }
        }
    }

    private static string Quote(string[] names) => string.Join(" or ", names.Select(n => $"'{n}'"));

    /// <param name="begin">The tag's <c>{%</c>, where its statement (and an unclosed-block error) is located.</param>
    private IEnumerable<JinjaStatement> ParseStatement(JinjaToken begin)
    {
        JinjaToken name = Current;
        if (name.Kind != JinjaTokenKind.Name) throw Error($"Expected a tag name but found {name}", name);
        Next();
        var tag = new JinjaToken(JinjaTokenKind.Name, name.Text, begin.Line, begin.Column);
        switch (tag.Text)
        {
            case "if": return [ParseIf(tag)];
            case "for": return [ParseFor(tag)];
            case "set": return [ParseSet(tag)];
            case "macro": return [ParseMacro(tag)];
            case "call": return [ParseCallBlock(tag)];
            case "filter": return [ParseFilterBlock(tag)];
            case "break":
                ExpectBlockEnd();
                return [new BreakStatement(tag.Line, tag.Column)];
            case "continue":
                ExpectBlockEnd();
                return [new ContinueStatement(tag.Line, tag.Column)];
            case "generation":
                // transformers' {% generation %} only marks assistant text for its training masks; it renders its body.
                ExpectBlockEnd();
                var (body, _) = ParseBody(tag, ["endgeneration"]);
                Next();
                ExpectBlockEnd();
                return body;
            default:
                throw Error($"Unknown or unsupported tag '{tag.Text}'", name);
        }
    }

    private IfStatement ParseIf(JinjaToken tag)
    {
        var branches = new List<(JinjaExpression, IReadOnlyList<JinjaStatement>)>();
        List<JinjaStatement> otherwise = [];
        JinjaExpression condition = ParseTuple(withCondition: false);
        while (true)
        {
            ExpectBlockEnd();
            var (body, end) = ParseBody(tag, ["elif", "else", "endif"]);
            branches.Add((condition, body));
            Next();
            if (end == "elif")
            {
                condition = ParseTuple(withCondition: false);
                continue;
            }
            if (end == "else")
            {
                ExpectBlockEnd();
                (otherwise, _) = ParseBody(tag, ["endif"]);
                Next();
            }
            ExpectBlockEnd();
            return new IfStatement(branches, otherwise, tag.Line, tag.Column);
        }
    }

    private ForStatement ParseFor(JinjaToken tag)
    {
        JinjaExpression target = ParseAssignTarget(allowNamespace: false, endNames: ["in"]);
        ExpectName("in");
        JinjaExpression iterable = ParseTuple(withCondition: false, endNames: ["recursive"]);
        JinjaExpression? filter = null;
        if (Current.IsName("if"))
        {
            Next();
            filter = ParseExpression();
        }
        if (Current.IsName("recursive")) throw Error("Recursive for loops are not supported", Current);
        ExpectBlockEnd();
        var (body, end) = ParseBody(tag, ["endfor", "else"]);
        Next();
        List<JinjaStatement> otherwise = [];
        if (end == "else")
        {
            ExpectBlockEnd();
            (otherwise, _) = ParseBody(tag, ["endfor"]);
            Next();
        }
        ExpectBlockEnd();
        return new ForStatement(target, iterable, filter, body, otherwise, tag.Line, tag.Column);
    }

    private JinjaStatement ParseSet(JinjaToken tag)
    {
        JinjaExpression target = ParseAssignTarget(allowNamespace: true);
        if (Current.IsOperator("="))
        {
            Next();
            JinjaExpression value = ParseTuple();
            ExpectBlockEnd();
            return new SetStatement(target, value, tag.Line, tag.Column);
        }
        List<FilterCall> filters = ParseFilterChain(required: false);
        ExpectBlockEnd();
        var (body, _) = ParseBody(tag, ["endset"]);
        Next();
        ExpectBlockEnd();
        return new SetBlockStatement(target, filters, body, tag.Line, tag.Column);
    }

    private MacroStatement ParseMacro(JinjaToken tag)
    {
        string name = ExpectKind(JinjaTokenKind.Name).Text;
        List<MacroParameter> parameters = ParseParameters();
        ExpectBlockEnd();
        var (body, _) = ParseBody(tag, ["endmacro"]);
        Next();
        ExpectBlockEnd();
        return new MacroStatement(name, parameters, body, tag.Line, tag.Column);
    }

    private CallBlockStatement ParseCallBlock(JinjaToken tag)
    {
        List<MacroParameter> parameters = Current.IsOperator("(") ? ParseParameters() : [];
        JinjaExpression call = ParseExpression();
        if (call is not CallExpression callExpression) throw Error("Expected a call after 'call'", tag);
        ExpectBlockEnd();
        var (body, _) = ParseBody(tag, ["endcall"]);
        Next();
        ExpectBlockEnd();
        return new CallBlockStatement(callExpression, parameters, body, tag.Line, tag.Column);
    }

    private FilterBlockStatement ParseFilterBlock(JinjaToken tag)
    {
        List<FilterCall> filters = ParseFilterChain(required: true);
        ExpectBlockEnd();
        var (body, _) = ParseBody(tag, ["endfilter"]);
        Next();
        ExpectBlockEnd();
        return new FilterBlockStatement(filters, body, tag.Line, tag.Column);
    }

    /// <summary><c>(name, name=default, ...)</c> of a macro or call block.</summary>
    private List<MacroParameter> ParseParameters()
    {
        ExpectOperator("(");
        var parameters = new List<MacroParameter>();
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0) ExpectOperator(",");
            if (Current.IsOperator(")")) break;
            string name = ExpectKind(JinjaTokenKind.Name).Text;
            JinjaExpression? value = null;
            if (Current.IsOperator("="))
            {
                Next();
                value = ParseExpression();
            }
            else if (parameters.Count > 0 && parameters[^1].Default is not null)
            {
                throw Error("A parameter without a default follows one with a default", Current);
            }
            parameters.Add(new MacroParameter(name, value));
        }
        Next();
        return parameters;
    }

    /// <summary>The filters of a filter or set block: <c>name(args) | name ...</c> (the first without a pipe).</summary>
    private List<FilterCall> ParseFilterChain(bool required)
    {
        var filters = new List<FilterCall>();
        if (required || Current.IsOperator("|"))
        {
            if (Current.IsOperator("|")) Next();
            filters.Add(ParseFilterCall());
        }
        while (Current.IsOperator("|"))
        {
            Next();
            filters.Add(ParseFilterCall());
        }
        return filters;
    }

    private void ExpectBlockEnd() => Expect(JinjaTokenKind.BlockEnd);

    private void Expect(JinjaTokenKind kind) => ExpectKind(kind);

    private JinjaToken ExpectKind(JinjaTokenKind kind)
    {
        if (Current.Kind != kind)
        {
            string expected = kind switch
            {
                JinjaTokenKind.BlockEnd => "'%}'",
                JinjaTokenKind.VariableEnd => "'}}'",
                _ => kind.ToString().ToLowerInvariant(),
            };
            throw Error($"Expected {expected} but found {Current}", Current);
        }
        return Next();
    }

    private void ExpectOperator(string op)
    {
        if (!Current.IsOperator(op)) throw Error($"Expected '{op}' but found {Current}", Current);
        Next();
    }

    private void ExpectName(string name)
    {
        if (!Current.IsName(name)) throw Error($"Expected '{name}' but found {Current}", Current);
        Next();
    }

    private static TemplateException Unexpected(JinjaToken token) => Error($"Unexpected {token}", token);

    private static TemplateException Error(string message, JinjaToken token) => new(message, token.Line, token.Column);
}
