namespace Strata.Models.Templates;

/// <summary>Python's arithmetic, concatenation, comparison and membership operators over the runtime values.</summary>
internal static class JinjaOperators
{
    public static object? Binary(string op, object? left, object? right)
    {
        if (op == "~") return JinjaValues.ToStr(left) + JinjaValues.ToStr(right);
        if (left is JinjaUndefined l) throw l.Misused();
        if (right is JinjaUndefined r) throw r.Misused();
        try
        {
            return checked(op switch
            {
                "+" => Add(left, right),
                "-" => Numeric(op, left, right, (a, b) => a - b, (a, b) => a - b),
                "*" => Multiply(left, right),
                "/" => Divide(left, right),
                "//" => FloorDivide(left, right),
                "%" => left is string format ? JinjaFormat.Printf(format, right) : Modulo(left, right),
                "**" => Power(left, right),
                _ => throw new JinjaRuntimeError($"Unknown operator {op}"),
            });
        }
        catch (OverflowException)
        {
            throw new JinjaRuntimeError($"integer overflow in {op}");
        }
    }

    private static JinjaRuntimeError Unsupported(string op, object? left, object? right) =>
        new($"unsupported operand type(s) for {op}: '{JinjaValues.TypeName(left)}' and '{JinjaValues.TypeName(right)}'");

    private static object? Numeric(string op, object? left, object? right, Func<long, long, long> integer, Func<double, double, double> real)
    {
        if (!JinjaValues.IsNumber(left) || !JinjaValues.IsNumber(right)) throw Unsupported(op, left, right);
        // The casts keep C# from widening the int branch to double.
        return JinjaValues.IsInteger(left) && JinjaValues.IsInteger(right)
            ? (object)integer(JinjaValues.ToLong(left), JinjaValues.ToLong(right))
            : (object)real(JinjaValues.ToDouble(left), JinjaValues.ToDouble(right));
    }

    private static object? Add(object? left, object? right) => (left, right) switch
    {
        (string a, string b) => a + b,
        (List<object?> a, List<object?> b) => a.Concat(b).ToList(),
        (object?[] a, object?[] b) => a.Concat(b).ToArray(),
        _ => Numeric("+", left, right, (a, b) => checked(a + b), (a, b) => a + b),
    };

    private static object? Multiply(object? left, object? right)
    {
        if (JinjaValues.IsInteger(left) && right is string or List<object?> or object?[]) (left, right) = (right, left);
        if (JinjaValues.IsInteger(right))
        {
            long times = Math.Max(0, JinjaValues.ToLong(right));
            switch (left)
            {
                case string s: return string.Concat(Enumerable.Repeat(s, (int)times));
                case List<object?> list: return Enumerable.Repeat(list, (int)times).SelectMany(x => x).ToList();
                case object?[] tuple: return Enumerable.Repeat(tuple, (int)times).SelectMany(x => x).ToArray();
            }
        }
        return Numeric("*", left, right, (a, b) => checked(a * b), (a, b) => a * b);
    }

    private static object? Divide(object? left, object? right)
    {
        if (!JinjaValues.IsNumber(left) || !JinjaValues.IsNumber(right)) throw Unsupported("/", left, right);
        double divisor = JinjaValues.ToDouble(right);
        if (divisor == 0) throw new JinjaRuntimeError("division by zero");
        return JinjaValues.ToDouble(left) / divisor;
    }

    private static object? FloorDivide(object? left, object? right)
    {
        if (JinjaValues.IsNumber(right) && JinjaValues.ToDouble(right) == 0) throw new JinjaRuntimeError("integer division or modulo by zero");
        return Numeric("//", left, right, FloorInt, (a, b) => Math.Floor(a / b));
    }

    /// <summary>Python's integer <c>//</c> rounds toward negative infinity, where C#'s <c>/</c> truncates.</summary>
    private static long FloorInt(long a, long b)
    {
        long quotient = a / b;
        return (a % b != 0) && ((a < 0) != (b < 0)) ? quotient - 1 : quotient;
    }

    private static object? Modulo(object? left, object? right)
    {
        if (JinjaValues.IsNumber(right) && JinjaValues.ToDouble(right) == 0) throw new JinjaRuntimeError("integer division or modulo by zero");
        return Numeric("%", left, right, (a, b) => a - (FloorInt(a, b) * b), (a, b) => a - (b * Math.Floor(a / b)));
    }

    private static object? Power(object? left, object? right)
    {
        if (JinjaValues.IsInteger(left) && JinjaValues.IsInteger(right) && JinjaValues.ToLong(right) >= 0)
        {
            long result = 1, @base = JinjaValues.ToLong(left);
            for (long e = JinjaValues.ToLong(right); e > 0; e--) result = checked(result * @base);
            return result;
        }
        return Numeric("**", left, right, (a, b) => 0, Math.Pow);
    }

    /// <summary>One comparison of a chain: <c>==</c>, <c>!=</c>, ordering, <c>in</c>, <c>not in</c>.</summary>
    public static bool Compare(string op, object? left, object? right) => op switch
    {
        "==" => JinjaValues.Equals(left, right),
        "!=" => !JinjaValues.Equals(left, right),
        "<" => Order(left, right) < 0,
        "<=" => Order(left, right) <= 0,
        ">" => Order(left, right) > 0,
        ">=" => Order(left, right) >= 0,
        "in" => Contains(right, left),
        "not in" => !Contains(right, left),
        _ => throw new JinjaRuntimeError($"Unknown comparison {op}"),
    };

    private static int Order(object? left, object? right)
    {
        if (left is JinjaUndefined l) throw l.Misused();
        if (right is JinjaUndefined r) throw r.Misused();
        return JinjaValues.Compare(left, right);
    }

    /// <summary>Python's <c>item in container</c>: a substring, a list or tuple item, or a dict key; nothing is in undefined.</summary>
    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new JinjaRuntimeError($"'in <string>' requires string as left operand, not {JinjaValues.TypeName(item)}"),
        List<object?> or object?[] => ((IEnumerable<object?>)container).Any(x => JinjaValues.Equals(x, item)),
        JinjaDict dict => item is not null && dict.ContainsKey(item),
        JinjaUndefined => false,
        _ => throw new JinjaRuntimeError($"argument of type '{JinjaValues.TypeName(container)}' is not iterable"),
    };
}
