using System.Globalization;
using System.Runtime.CompilerServices;

namespace Strata.Models.Templates;

/// <summary>
/// Expressions, with Jinja2's precedence from loosest to tightest: conditional (<c>a if c else b</c>), <c>or</c>,
/// <c>and</c>, <c>not</c>, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c>, unary
/// <c>- +</c>, then a primary with its postfixes (<c>.attr</c>, <c>[i]</c>, calls) and filters and tests.
/// </summary>
internal sealed partial class JinjaParser
{
    private static readonly HashSet<string> CompareOperators = ["==", "!=", "<", "<=", ">", ">="];

    /// <summary>An expression, or a tuple when commas separate several (<c>{{ a, b }}</c>, <c>set x = 1, 2</c>).</summary>
    private JinjaExpression ParseTuple(bool withCondition = true, string[]? endNames = null, bool explicitParentheses = false)
    {
        JinjaToken start = Current;
        var items = new List<JinjaExpression>();
        bool isTuple = false;
        while (true)
        {
            if (items.Count > 0) ExpectOperator(",");
            if (IsTupleEnd(endNames)) break;
            items.Add(withCondition ? ParseExpression() : ParseOr());
            if (Current.IsOperator(",")) isTuple = true;
            else break;
        }
        if (!isTuple)
        {
            if (items.Count > 0) return items[0];
            if (!explicitParentheses) throw Error($"Expected an expression but found {Current}", Current);
        }
        return new TupleExpression(items, start.Line, start.Column);
    }

    private bool IsTupleEnd(string[]? endNames) =>
        Current.Kind is JinjaTokenKind.VariableEnd or JinjaTokenKind.BlockEnd ||
        Current.IsOperator(")") ||
        (endNames is not null && Current.Kind == JinjaTokenKind.Name && endNames.Contains(Current.Text));

    /// <summary>A loop or set target: a name, a tuple of names, or (for set) <c>namespace.attribute</c>.</summary>
    private JinjaExpression ParseAssignTarget(bool allowNamespace, string[]? endNames = null)
    {
        JinjaToken start = Current;
        if (allowNamespace && Current.Kind == JinjaTokenKind.Name && Peek().IsOperator("."))
        {
            Next();
            Next();
            string attribute = ExpectKind(JinjaTokenKind.Name).Text;
            return new AttributeExpression(new NameExpression(start.Text, start.Line, start.Column), attribute, start.Line, start.Column);
        }
        var names = new List<JinjaExpression>();
        bool parenthesised = Current.IsOperator("(");
        if (parenthesised) Next();
        while (true)
        {
            JinjaToken name = ExpectKind(JinjaTokenKind.Name);
            names.Add(new NameExpression(name.Text, name.Line, name.Column));
            if (!Current.IsOperator(",")) break;
            Next();
            if (parenthesised ? Current.IsOperator(")") : IsTupleEnd(endNames) || Current.IsOperator("=")) break;
        }
        if (parenthesised) ExpectOperator(")");
        return names.Count == 1 && !parenthesised ? names[0] : new TupleExpression(names, start.Line, start.Column);
    }

    private JinjaExpression ParseExpression()
    {
        JinjaExpression then = ParseOr();
        while (Current.IsName("if"))
        {
            JinjaToken token = Next();
            JinjaExpression condition = ParseOr();
            JinjaExpression? otherwise = null;
            if (Current.IsName("else"))
            {
                Next();
                otherwise = ParseExpression();
            }
            then = new ConditionalExpression(condition, then, otherwise, token.Line, token.Column);
        }
        return then;
    }

    private JinjaExpression ParseOr()
    {
        JinjaExpression left = ParseAnd();
        while (Current.IsName("or"))
        {
            JinjaToken token = Next();
            left = new BinaryExpression("or", left, ParseAnd(), token.Line, token.Column);
        }
        return left;
    }

    private JinjaExpression ParseAnd()
    {
        JinjaExpression left = ParseNot();
        while (Current.IsName("and"))
        {
            JinjaToken token = Next();
            left = new BinaryExpression("and", left, ParseNot(), token.Line, token.Column);
        }
        return left;
    }

    private JinjaExpression ParseNot()
    {
        if (!Current.IsName("not")) return ParseCompare();
        JinjaToken token = Next();
        EnsureStack(token);
        return new UnaryExpression("not", ParseNot(), token.Line, token.Column);
    }

    private JinjaExpression ParseCompare()
    {
        JinjaToken start = Current;
        JinjaExpression first = ParseAdditive();
        var rest = new List<(string, JinjaExpression)>();
        while (true)
        {
            if (Current.Kind == JinjaTokenKind.Operator && CompareOperators.Contains(Current.Text))
            {
                string op = Next().Text;
                rest.Add((op, ParseAdditive()));
            }
            else if (Current.IsName("in"))
            {
                Next();
                rest.Add(("in", ParseAdditive()));
            }
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                Next();
                Next();
                rest.Add(("not in", ParseAdditive()));
            }
            else
            {
                break;
            }
        }
        return rest.Count == 0 ? first : new CompareExpression(first, rest, start.Line, start.Column);
    }

    private JinjaExpression ParseAdditive()
    {
        JinjaExpression left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            JinjaToken token = Next();
            left = new BinaryExpression(token.Text, left, ParseConcat(), token.Line, token.Column);
        }
        return left;
    }

    private JinjaExpression ParseConcat()
    {
        JinjaExpression left = ParseMultiplicative();
        while (Current.IsOperator("~"))
        {
            JinjaToken token = Next();
            left = new BinaryExpression("~", left, ParseMultiplicative(), token.Line, token.Column);
        }
        return left;
    }

    private JinjaExpression ParseMultiplicative()
    {
        JinjaExpression left = ParsePower();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            JinjaToken token = Next();
            left = new BinaryExpression(token.Text, left, ParsePower(), token.Line, token.Column);
        }
        return left;
    }

    private JinjaExpression ParsePower()
    {
        JinjaExpression left = ParseUnary(withFilters: true);
        while (Current.IsOperator("**"))
        {
            JinjaToken token = Next();
            left = new BinaryExpression("**", left, ParseUnary(withFilters: true), token.Line, token.Column);
        }
        return left;
    }

    /// <summary>As in Jinja2, filters bind looser than unary minus: <c>-x|abs</c> is <c>(-x)|abs</c>.</summary>
    private JinjaExpression ParseUnary(bool withFilters)
    {
        JinjaToken token = Current;
        EnsureStack(token);
        JinjaExpression node;
        if (token.IsOperator("-") || token.IsOperator("+"))
        {
            Next();
            node = new UnaryExpression(token.Text, ParseUnary(withFilters: false), token.Line, token.Column);
        }
        else
        {
            node = ParsePrimary();
        }
        node = ParsePostfix(node);
        return withFilters ? ParseFiltersAndTests(node) : node;
    }

    private JinjaExpression ParsePrimary()
    {
        JinjaToken token = Current;
        switch (token.Kind)
        {
            case JinjaTokenKind.Name:
                Next();
                return token.Text switch
                {
                    "true" or "True" => new LiteralExpression(true, token.Line, token.Column),
                    "false" or "False" => new LiteralExpression(false, token.Line, token.Column),
                    "none" or "None" => new LiteralExpression(null, token.Line, token.Column),
                    _ => new NameExpression(token.Text, token.Line, token.Column),
                };
            case JinjaTokenKind.String:
                // Adjacent string literals concatenate, as in Python.
                string text = Next().Text;
                while (Current.Kind == JinjaTokenKind.String) text += Next().Text;
                return new LiteralExpression(text, token.Line, token.Column);
            case JinjaTokenKind.Integer:
                Next();
                if (!long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long integer))
                {
                    throw Error($"Integer literal {token.Text} is too large", token);
                }
                return new LiteralExpression(integer, token.Line, token.Column);
            case JinjaTokenKind.Float:
                Next();
                return new LiteralExpression(double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture), token.Line, token.Column);
        }
        if (token.IsOperator("("))
        {
            Next();
            JinjaExpression inner = ParseTuple(explicitParentheses: true);
            ExpectOperator(")");
            return inner;
        }
        if (token.IsOperator("[")) return ParseList();
        if (token.IsOperator("{")) return ParseDict();
        throw Unexpected(token);
    }

    private ListExpression ParseList()
    {
        JinjaToken open = Next();
        var items = new List<JinjaExpression>();
        while (!Current.IsOperator("]"))
        {
            if (items.Count > 0) ExpectOperator(",");
            if (Current.IsOperator("]")) break;
            items.Add(ParseExpression());
        }
        Next();
        return new ListExpression(items, open.Line, open.Column);
    }

    private DictExpression ParseDict()
    {
        JinjaToken open = Next();
        var pairs = new List<(JinjaExpression, JinjaExpression)>();
        while (!Current.IsOperator("}"))
        {
            if (pairs.Count > 0) ExpectOperator(",");
            if (Current.IsOperator("}")) break;
            JinjaExpression key = ParseExpression();
            ExpectOperator(":");
            pairs.Add((key, ParseExpression()));
        }
        Next();
        return new DictExpression(pairs, open.Line, open.Column);
    }

    private JinjaExpression ParsePostfix(JinjaExpression node)
    {
        while (true)
        {
            JinjaToken token = Current;
            if (token.IsOperator("."))
            {
                Next();
                JinjaToken name = Next();
                node = name.Kind switch
                {
                    JinjaTokenKind.Name => new AttributeExpression(node, name.Text, token.Line, token.Column),
                    JinjaTokenKind.Integer => new ItemExpression(node, new LiteralExpression(long.Parse(name.Text, CultureInfo.InvariantCulture), name.Line, name.Column), token.Line, token.Column),
                    _ => throw Error($"Expected an attribute name after '.' but found {name}", name),
                };
            }
            else if (token.IsOperator("["))
            {
                node = ParseSubscript(node);
            }
            else if (token.IsOperator("("))
            {
                node = new CallExpression(node, ParseArguments(), token.Line, token.Column);
            }
            else
            {
                return node;
            }
        }
    }

    private JinjaExpression ParseSubscript(JinjaExpression target)
    {
        JinjaToken open = Next();
        JinjaExpression? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (Current.IsOperator("]"))
            {
                Next();
                return new ItemExpression(target, start, open.Line, open.Column);
            }
            if (Current.IsOperator(","))
            {
                throw Error("Tuple subscripts are not supported", Current);
            }
        }
        ExpectOperator(":");
        JinjaExpression? stop = Current.IsOperator("]") || Current.IsOperator(":") ? null : ParseExpression();
        JinjaExpression? step = null;
        if (Current.IsOperator(":"))
        {
            Next();
            if (!Current.IsOperator("]")) step = ParseExpression();
        }
        ExpectOperator("]");
        return new SliceExpression(target, start, stop, step, open.Line, open.Column);
    }

    /// <summary><c>(positional, ..., name=value, ...)</c>; the stream is on the opening parenthesis.</summary>
    private JinjaArgumentList ParseArguments()
    {
        ExpectOperator("(");
        var positional = new List<JinjaExpression>();
        var keywords = new List<(string, JinjaExpression)>();
        while (!Current.IsOperator(")"))
        {
            if (positional.Count + keywords.Count > 0) ExpectOperator(",");
            if (Current.IsOperator(")")) break;
            if (Current.Kind == JinjaTokenKind.Name && Peek().IsOperator("="))
            {
                string name = Next().Text;
                Next();
                keywords.Add((name, ParseExpression()));
            }
            else
            {
                if (keywords.Count > 0) throw Error("A positional argument follows keyword arguments", Current);
                positional.Add(ParseExpression());
            }
        }
        Next();
        return new JinjaArgumentList(positional, keywords);
    }

    private JinjaExpression ParseFiltersAndTests(JinjaExpression node)
    {
        while (true)
        {
            JinjaToken token = Current;
            if (token.IsOperator("|"))
            {
                Next();
                node = new FilterExpression(node, ParseFilterCall(), token.Line, token.Column);
            }
            else if (token.IsName("is"))
            {
                Next();
                node = ParseTest(node, token);
            }
            else if (token.IsOperator("("))
            {
                node = new CallExpression(node, ParseArguments(), token.Line, token.Column);
            }
            else
            {
                return node;
            }
        }
    }

    private FilterCall ParseFilterCall()
    {
        JinjaToken name = ExpectKind(JinjaTokenKind.Name);
        JinjaArgumentList arguments = Current.IsOperator("(") ? ParseArguments() : JinjaArgumentList.Empty;
        return new FilterCall(name.Text, arguments, name.Line, name.Column);
    }

    private TestExpression ParseTest(JinjaExpression operand, JinjaToken isToken)
    {
        bool negated = false;
        if (Current.IsName("not"))
        {
            Next();
            negated = true;
        }
        JinjaToken name = ExpectKind(JinjaTokenKind.Name);
        if (!JinjaIsTests.IsKnown(name.Text)) throw Error($"No test named '{name.Text}'", name);
        JinjaArgumentList arguments = JinjaArgumentList.Empty;
        if (Current.IsOperator("("))
        {
            arguments = ParseArguments();
        }
        else if (StartsBareTestArgument(Current))
        {
            // Jinja allows one argument without parentheses: `x is divisibleby 3`, `x is sameas none`.
            arguments = new JinjaArgumentList([ParsePostfix(ParsePrimary())], []);
        }
        return new TestExpression(operand, name.Text, arguments, negated, isToken.Line, isToken.Column);
    }

    /// <summary>Nested brackets, unary operators and blocks recurse; a template nested absurdly deep (it could come
    /// from a request) must fail as a syntax error, not overflow the stack and take the process down.</summary>
    private static void EnsureStack(JinjaToken at)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) throw Error("The template nests too deeply", at);
    }

    private static bool StartsBareTestArgument(JinjaToken token) =>
        token.Kind switch
        {
            JinjaTokenKind.Name => token.Text is not ("else" or "or" or "and" or "if" or "is" or "not" or "in"),
            JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float => true,
            JinjaTokenKind.Operator => token.Text is "[" or "{",
            _ => false,
        };
}
