using System.Runtime.CompilerServices;
using System.Text;

namespace Strata.Models.Templates;

/// <summary>
/// Renders a parsed template by walking its statements. Scoping follows Jinja2: each loop iteration and each macro
/// call gets a fresh frame; a macro sees the frame it was defined in (as it is when called), not its caller's.
/// </summary>
internal sealed class JinjaInterpreter
{
    /// <summary>Deep enough for recursive schema macros (Functionary), shallow enough to fail before the stack does.</summary>
    private const int MaxCallDepth = 256;

    private int _callDepth;

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    /// <exception cref="TemplateException">A runtime error (with the line of the statement) or the template's raise_exception.</exception>
    public static string Render(IReadOnlyList<JinjaStatement> program, JinjaScope context)
    {
        var output = new StringBuilder();
        new JinjaInterpreter().Execute(program, context, output);
        return output.ToString();
    }

    /// <summary>The value of one expression (not its text): a list stays a list.</summary>
    public static object? EvaluateExpression(JinjaExpression expression, JinjaScope context) => new JinjaInterpreter().Evaluate(expression, context);

    private Flow Execute(IReadOnlyList<JinjaStatement> statements, JinjaScope scope, StringBuilder output)
    {
        JinjaValues.EnsureStack();
        foreach (JinjaStatement statement in statements)
        {
            Flow flow;
            try
            {
                flow = ExecuteOne(statement, scope, output);
            }
            catch (JinjaRuntimeError error)
            {
                throw new TemplateException(error.Message, statement.Line, statement.Column);
            }
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow ExecuteOne(JinjaStatement statement, JinjaScope scope, StringBuilder output)
    {
        switch (statement)
        {
            case TextStatement text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputStatement print:
                output.Append(JinjaValues.ToStr(Evaluate(print.Expression, scope)));
                return Flow.Normal;
            case IfStatement branch:
                foreach (var (condition, body) in branch.Branches)
                {
                    if (JinjaValues.IsTruthy(Evaluate(condition, scope))) return Execute(body, scope, output);
                }
                return Execute(branch.Else, scope, output);
            case ForStatement loop:
                ExecuteFor(loop, scope, output);
                return Flow.Normal;
            case SetStatement set:
                Assign(set.Target, Evaluate(set.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStatement block:
                Assign(block.Target, RenderBlock(block.Body, block.Filters, scope), scope);
                return Flow.Normal;
            case MacroStatement macro:
                scope.Set(macro.Name, new JinjaCallable(macro.Name, arguments => CallMacro(macro.Name, macro.Parameters, macro.Body, scope, arguments)));
                return Flow.Normal;
            case CallBlockStatement call:
                output.Append(JinjaValues.ToStr(EvaluateCallBlock(call, scope)));
                return Flow.Normal;
            case FilterBlockStatement filter:
                output.Append(JinjaValues.ToStr(RenderBlock(filter.Body, filter.Filters, scope)));
                return Flow.Normal;
            case BreakStatement:
                return Flow.Break;
            case ContinueStatement:
                return Flow.Continue;
            default:
                throw new JinjaRuntimeError($"Unknown statement {statement.GetType().Name}");
        }
    }

    private object? RenderBlock(IReadOnlyList<JinjaStatement> body, IReadOnlyList<FilterCall> filters, JinjaScope scope)
    {
        var rendered = new StringBuilder();
        Execute(body, new JinjaScope(scope), rendered);
        object? value = rendered.ToString();
        foreach (FilterCall filter in filters) value = JinjaFilters.Apply(filter.Name, value, EvaluateArguments(filter.Arguments, scope));
        return value;
    }

    private void ExecuteFor(ForStatement loop, JinjaScope scope, StringBuilder output)
    {
        IReadOnlyList<object?> items = JinjaValues.Iterate(Evaluate(loop.Iterable, scope));
        if (loop.Filter is not null)
        {
            items = items.Where(item =>
            {
                var test = new JinjaScope(scope);
                Assign(loop.Target, item, test);
                return JinjaValues.IsTruthy(Evaluate(loop.Filter, test));
            }).ToList();
        }
        if (items.Count == 0)
        {
            Execute(loop.Else, new JinjaScope(scope), output);
            return;
        }
        for (int i = 0; i < items.Count; i++)
        {
            var iteration = new JinjaScope(scope);
            iteration.Set("loop", new JinjaLoop(items, i));
            Assign(loop.Target, items[i], iteration);
            if (Execute(loop.Body, iteration, output) == Flow.Break) break;
        }
    }

    private void Assign(JinjaExpression target, object? value, JinjaScope scope)
    {
        switch (target)
        {
            case NameExpression name:
                scope.Set(name.Name, value);
                break;
            case TupleExpression tuple:
                IReadOnlyList<object?> values = JinjaValues.Iterate(value);
                if (values.Count != tuple.Items.Count)
                {
                    throw new JinjaRuntimeError($"cannot unpack {values.Count} values into {tuple.Items.Count} names");
                }
                for (int i = 0; i < values.Count; i++) Assign(tuple.Items[i], values[i], scope);
                break;
            case AttributeExpression { Target: NameExpression owner } attribute:
                if (scope.Lookup(owner.Name) is not JinjaNamespace ns)
                {
                    throw new JinjaRuntimeError($"cannot assign attribute '{attribute.Name}' on '{owner.Name}': only namespace() objects can be changed");
                }
                ns.Attributes[attribute.Name] = value;
                break;
            default:
                throw new JinjaRuntimeError("cannot assign to this expression");
        }
    }

    /// <summary>Binds a macro's (or call block's) parameters in a frame under its defining scope and renders its body.
    /// Missing arguments without a default are undefined; extra ones land in <c>varargs</c> and <c>kwargs</c>.</summary>
    private string CallMacro(string name, IReadOnlyList<MacroParameter> parameters, IReadOnlyList<JinjaStatement> body, JinjaScope definedIn, JinjaArguments arguments)
    {
        if (_callDepth >= MaxCallDepth) throw new JinjaRuntimeError($"macro '{name}' recursed more than {MaxCallDepth} calls deep");
        _callDepth++;
        try
        {
            var frame = new JinjaScope(definedIn);
            var keywords = new JinjaDict();
            foreach (var (key, value) in arguments.Keywords)
            {
                if (!parameters.Any(p => p.Name == key) && key != "caller") keywords[key] = value;
            }
            for (int i = 0; i < parameters.Count; i++)
            {
                MacroParameter parameter = parameters[i];
                object? value = i < arguments.Positional.Count ? arguments.Positional[i]
                    : arguments.Keywords.TryGetValue(parameter.Name, out object? named) ? named
                    : parameter.Default is not null ? Evaluate(parameter.Default, frame)
                    : new JinjaUndefined($"parameter '{parameter.Name}' was not provided");
                frame.Set(parameter.Name, value);
            }
            frame.Set("varargs", arguments.Positional.Skip(parameters.Count).ToList());
            frame.Set("kwargs", keywords);
            if (arguments.Keywords.TryGetValue("caller", out object? caller)) frame.Set("caller", caller);
            var output = new StringBuilder();
            Execute(body, frame, output);
            return output.ToString();
        }
        finally
        {
            _callDepth--;
        }
    }

    private object? EvaluateCallBlock(CallBlockStatement call, JinjaScope scope)
    {
        var caller = new JinjaCallable("caller", arguments => CallMacro("caller", call.CallerParameters, call.Body, scope, arguments));
        object? callee = Evaluate(call.Call.Callee, scope);
        JinjaArguments arguments = EvaluateArguments(call.Call.Arguments, scope);
        var keywords = new Dictionary<string, object?>(arguments.Keywords) { ["caller"] = caller };
        return Invoke(callee, new JinjaArguments(arguments.Positional, keywords));
    }

    private static object? Invoke(object? callee, JinjaArguments arguments) => callee switch
    {
        JinjaCallable callable => callable.Invoke(arguments),
        JinjaUndefined undefined => throw undefined.Misused(),
        _ => throw new JinjaRuntimeError($"'{JinjaValues.TypeName(callee)}' object is not callable"),
    };

    private JinjaArguments EvaluateArguments(JinjaArgumentList arguments, JinjaScope scope)
    {
        if (arguments.Positional.Count == 0 && arguments.Keywords.Count == 0) return JinjaArguments.None;
        var positional = arguments.Positional.Select(expression => Evaluate(expression, scope)).ToList();
        var keywords = new Dictionary<string, object?>();
        foreach (var (name, value) in arguments.Keywords) keywords[name] = Evaluate(value, scope);
        return new JinjaArguments(positional, keywords);
    }

    private object? Evaluate(JinjaExpression expression, JinjaScope scope)
    {
        JinjaValues.EnsureStack();
        switch (expression)
        {
            case LiteralExpression literal:
                return literal.Value;
            case NameExpression name:
                return scope.Lookup(name.Name);
            case ListExpression list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case TupleExpression tuple:
                return tuple.Items.Select(item => Evaluate(item, scope)).ToArray();
            case DictExpression dict:
                var result = new JinjaDict();
                foreach (var (key, value) in dict.Pairs)
                {
                    result[Evaluate(key, scope) ?? throw new JinjaRuntimeError("None dict keys are not supported")] = Evaluate(value, scope);
                }
                return result;
            case AttributeExpression attribute:
                return JinjaMembers.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name);
            case ItemExpression item:
                return JinjaMembers.GetItem(Evaluate(item.Target, scope), Evaluate(item.Key, scope));
            case SliceExpression slice:
                return Slice(Evaluate(slice.Target, scope), SliceBound(slice.Start, scope), SliceBound(slice.Stop, scope), SliceBound(slice.Step, scope));
            case CallExpression call:
                return Invoke(Evaluate(call.Callee, scope), EvaluateArguments(call.Arguments, scope));
            case FilterExpression filter:
                return JinjaFilters.Apply(filter.Filter.Name, Evaluate(filter.Operand, scope), EvaluateArguments(filter.Filter.Arguments, scope));
            case TestExpression test:
                JinjaArguments testArguments = EvaluateArguments(test.Arguments, scope);
                bool passed = JinjaIsTests.Apply(test.Name, Evaluate(test.Operand, scope), [.. testArguments.Positional, .. testArguments.Keywords.Values]);
                return passed != test.Negated;
            case UnaryExpression unary:
                return Unary(unary.Operator, Evaluate(unary.Operand, scope));
            case BinaryExpression { Operator: "and" } and:
                object? left = Evaluate(and.Left, scope);
                return JinjaValues.IsTruthy(left) ? Evaluate(and.Right, scope) : left;
            case BinaryExpression { Operator: "or" } or:
                object? first = Evaluate(or.Left, scope);
                return JinjaValues.IsTruthy(first) ? first : Evaluate(or.Right, scope);
            case BinaryExpression binary:
                return JinjaOperators.Binary(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope));
            case CompareExpression compare:
                object? current = Evaluate(compare.First, scope);
                foreach (var (op, operand) in compare.Rest)
                {
                    object? next = Evaluate(operand, scope);
                    if (!JinjaOperators.Compare(op, current, next)) return false;
                    current = next;
                }
                return true;
            case ConditionalExpression conditional:
                if (JinjaValues.IsTruthy(Evaluate(conditional.Condition, scope))) return Evaluate(conditional.Then, scope);
                return conditional.Otherwise is null
                    ? new JinjaUndefined("the inline if-expression evaluated to false and no else section was defined")
                    : Evaluate(conditional.Otherwise, scope);
            default:
                throw new JinjaRuntimeError($"Unknown expression {expression.GetType().Name}");
        }
    }

    private static object? Unary(string op, object? value) => op switch
    {
        "not" => !JinjaValues.IsTruthy(value),
        "-" when value is double d => -d,
        "-" when JinjaValues.IsInteger(value) => checked(-JinjaValues.ToLong(value)),
        "+" when value is double d => d,
        "+" when JinjaValues.IsInteger(value) => JinjaValues.ToLong(value),
        _ when value is JinjaUndefined undefined => throw undefined.Misused(),
        _ => throw new JinjaRuntimeError($"bad operand type for unary {op}: '{JinjaValues.TypeName(value)}'"),
    };

    private long? SliceBound(JinjaExpression? bound, JinjaScope scope) => bound is null
        ? null
        : Evaluate(bound, scope) switch
        {
            null => null,
            object value when JinjaValues.IsInteger(value) => JinjaValues.ToLong(value),
            object value => throw new JinjaRuntimeError($"slice indices must be integers or None, not {JinjaValues.TypeName(value)}"),
        };

    private static object? Slice(object? target, long? start, long? stop, long? step)
    {
        switch (target)
        {
            case string s:
                var characters = JinjaText.Characters(s).ToList();
                return string.Concat(JinjaText.SliceIndices(characters.Count, start, stop, step).Select(i => characters[i]));
            case List<object?> list:
                return JinjaText.SliceIndices(list.Count, start, stop, step).Select(i => list[i]).ToList();
            case object?[] tuple:
                return JinjaText.SliceIndices(tuple.Length, start, stop, step).Select(i => tuple[i]).ToArray();
            case JinjaUndefined undefined:
                throw undefined.Misused();
            default:
                throw new JinjaRuntimeError($"'{JinjaValues.TypeName(target)}' object is not subscriptable");
        }
    }
}
