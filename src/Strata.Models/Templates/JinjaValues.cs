using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Models.Templates;

/// <summary>
/// Python's semantics for the runtime values (see <c>JinjaRuntimeTypes.cs</c>): truthiness, <c>str()</c>,
/// <c>repr()</c>, equality, ordering and iteration, and the conversion from JSON.
/// </summary>
internal static class JinjaValues
{
    public static bool IsTruthy(object? value) => value switch
    {
        null or JinjaUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        System.Collections.ICollection c => c.Count > 0,
        _ => true,
    };

    /// <summary>Fails cleanly where deep nesting (a long operator chain, a namespace holding itself) would
    /// otherwise overflow the stack and take the process down.</summary>
    public static void EnsureStack()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) throw new JinjaRuntimeError("The template or its data nests too deeply");
    }

    /// <summary>Python's <c>str(value)</c>, as <c>{{ value }}</c> prints it; undefined prints as empty.</summary>
    public static string ToStr(object? value) => value switch
    {
        string s => s,
        JinjaUndefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr(value)</c>: how values print inside a list or dict.</summary>
    public static string Repr(object? value)
    {
        var text = new StringBuilder();
        AppendRepr(text, value);
        return text.ToString();
    }

    private static void AppendRepr(StringBuilder text, object? value)
    {
        EnsureStack();
        switch (value)
        {
            case null: text.Append("None"); break;
            case bool b: text.Append(b ? "True" : "False"); break;
            case long l: text.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: text.Append(FormatFloat(d)); break;
            case string s: AppendStringRepr(text, s); break;
            case JinjaUndefined: break;
            case JinjaDict dict:
                text.Append('{');
                bool firstPair = true;
                foreach (var (key, item) in dict)
                {
                    if (!firstPair) text.Append(", ");
                    firstPair = false;
                    AppendRepr(text, key);
                    text.Append(": ");
                    AppendRepr(text, item);
                }
                text.Append('}');
                break;
            case object?[] tuple:
                text.Append('(');
                AppendItems(text, tuple);
                text.Append(tuple.Length == 1 ? ",)" : ")");
                break;
            case List<object?> list:
                text.Append('[');
                AppendItems(text, list);
                text.Append(']');
                break;
            case JinjaNamespace ns:
                text.Append("<Namespace {");
                text.AppendJoin(", ", ns.Attributes.Select(pair => $"{Repr(pair.Key)}: {Repr(pair.Value)}"));
                text.Append("}>");
                break;
            case JinjaCallable callable: text.Append("<function ").Append(callable.Name).Append('>'); break;
            default: text.Append(value); break;
        }
    }

    private static void AppendItems(StringBuilder text, IEnumerable<object?> items)
    {
        bool first = true;
        foreach (object? item in items)
        {
            if (!first) text.Append(", ");
            first = false;
            AppendRepr(text, item);
        }
    }

    private static void AppendStringRepr(StringBuilder text, string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        text.Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c == quote) text.Append('\\').Append(c);
                    else if (c < ' ' || c == '\x7f') text.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append(quote);
    }

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, positional for exponents -4..15,
    /// otherwise <c>1e+16</c> style; integral values keep <c>.0</c>.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";

        // .NET's "R" gives the same shortest round-trip digits as Python; only the layout differs.
        string r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        int exponentAt = r.IndexOf('E');
        int shift = exponentAt < 0 ? 0 : int.Parse(r[(exponentAt + 1)..], CultureInfo.InvariantCulture);
        string mantissa = exponentAt < 0 ? r : r[..exponentAt];
        int dot = mantissa.IndexOf('.');
        string allDigits = mantissa.Replace(".", "");
        int point = (dot < 0 ? mantissa.Length : dot) + shift;
        int leadingZeros = allDigits.Length - allDigits.TrimStart('0').Length;
        string digits = allDigits.TrimStart('0').TrimEnd('0');
        int exponent = point - leadingZeros - 1;
        string sign = d < 0 ? "-" : "";
        if (exponent is >= -4 and < 16)
        {
            string integral, fraction;
            if (exponent >= 0)
            {
                string padded = digits.PadRight(exponent + 1, '0');
                integral = padded[..(exponent + 1)];
                fraction = padded[(exponent + 1)..];
            }
            else
            {
                integral = "0";
                fraction = new string('0', -exponent - 1) + digits;
            }
            return $"{sign}{integral}.{(fraction.Length == 0 ? "0" : fraction)}";
        }
        string body = digits.Length == 1 ? digits : $"{digits[0]}.{digits[1..]}";
        return $"{sign}{body}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
    }

    /// <summary>Python's <c>type(value).__name__</c>, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        JinjaDict => "dict",
        JinjaNamespace => "Namespace",
        JinjaUndefined => "Undefined",
        JinjaCallable => "function",
        JinjaLoop => "LoopContext",
        _ => value.GetType().Name,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static bool IsInteger(object? value) => value is long or bool;

    public static long ToLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new JinjaRuntimeError($"'{TypeName(value)}' object cannot be interpreted as an integer"),
    };

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new JinjaRuntimeError($"must be a number, not '{TypeName(value)}'"),
    };

    /// <summary>Python's <c>==</c>: numbers by value across int, float and bool; lists, tuples and dicts by content.</summary>
    public static new bool Equals(object? left, object? right)
    {
        EnsureStack();
        if (ReferenceEquals(left, right)) return true;
        switch (left)
        {
            case null: return right is null;
            case JinjaUndefined: return right is JinjaUndefined;
            case string s: return right is string t && s == t;
            case long or double or bool when IsNumber(right):
                return IsInteger(left) && IsInteger(right) ? ToLong(left) == ToLong(right) : ToDouble(left) == ToDouble(right);
            case object?[] tuple: return right is object?[] otherTuple && SequenceEquals(tuple, otherTuple);
            case List<object?> list: return right is List<object?> otherList && SequenceEquals(list, otherList);
            case JinjaDict dict:
                if (right is not JinjaDict otherDict || dict.Count != otherDict.Count) return false;
                foreach (var (key, value) in dict)
                {
                    if (!otherDict.TryGetValue(key, out object? other) || !Equals(value, other)) return false;
                }
                return true;
            default: return false;
        }
    }

    private static bool SequenceEquals(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
        {
            if (!Equals(a[i], b[i])) return false;
        }
        return true;
    }

    /// <summary>Python's ordering (<c>&lt;</c>, sort): numbers, strings (by code point) and sequences; anything else fails.</summary>
    public static int Compare(object? left, object? right)
    {
        if (IsNumber(left) && IsNumber(right))
        {
            return IsInteger(left) && IsInteger(right) ? ToLong(left).CompareTo(ToLong(right)) : ToDouble(left).CompareTo(ToDouble(right));
        }
        if (left is string s && right is string t) return string.CompareOrdinal(s, t);
        if ((left is List<object?> && right is List<object?>) || (left is object?[] && right is object?[]))
        {
            var a = (IReadOnlyList<object?>)left;
            var b = (IReadOnlyList<object?>)right;
            for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
            {
                if (!Equals(a[i], b[i])) return Compare(a[i], b[i]);
            }
            return a.Count.CompareTo(b.Count);
        }
        throw new JinjaRuntimeError($"'<' not supported between instances of '{TypeName(left)}' and '{TypeName(right)}'");
    }

    /// <summary>What <c>for x in value</c> visits: list and tuple items, dict keys, string characters; undefined is empty.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        List<object?> list => [.. list],
        object?[] tuple => tuple,
        JinjaDict dict => [.. dict.Keys],
        string s => [.. JinjaText.Characters(s)],
        JinjaUndefined => [],
        _ => throw new JinjaRuntimeError($"'{TypeName(value)}' object is not iterable"),
    };

    /// <summary>Python's <c>len(value)</c>.</summary>
    public static long Length(object? value) => value switch
    {
        string s => JinjaText.Length(s),
        System.Collections.ICollection c => c.Count,
        JinjaUndefined => 0,
        _ => throw new JinjaRuntimeError($"object of type '{TypeName(value)}' has no len()"),
    };

    /// <summary>Converts a message, tool or document from JSON, as Python's <c>json.loads</c> would: a number written
    /// with a fraction or exponent is a float, otherwise an int.</summary>
    public static object? FromJson(JsonNode? node)
    {
        EnsureStack();
        switch (node)
        {
            case null: return null;
            case JsonObject obj:
                var dict = new JinjaDict();
                foreach (var (key, item) in obj) dict[key] = FromJson(item);
                return dict;
            case JsonArray array:
                return array.Select(FromJson).ToList();
            case JsonValue value:
                return FromJsonValue(value);
            default:
                throw new ArgumentException($"Unsupported JSON node {node.GetType().Name}", nameof(node));
        }
    }

    private static object? FromJsonValue(JsonValue value)
    {
        if (value.TryGetValue(out JsonElement element)) return FromJsonElement(element);
        if (value.TryGetValue(out string? s)) return s;
        if (value.TryGetValue(out bool b)) return b;
        if (value.TryGetValue(out long l)) return l;
        if (value.TryGetValue(out int i)) return (long)i;
        if (value.TryGetValue(out double d)) return d;
        if (value.TryGetValue(out float f)) return (double)f;
        if (value.TryGetValue(out decimal m)) return (double)m;
        using var document = JsonDocument.Parse(value.ToJsonString());
        return FromJsonElement(document.RootElement);
    }

    private static object? FromJsonElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText().AsSpan().IndexOfAny(".eE") < 0 && element.TryGetInt64(out long l)
            ? (object)l
            : (object)element.GetDouble(),
        _ => FromJson(JsonNode.Parse(element.GetRawText())),
    };
}

/// <summary>Python's dict-key equality and hashing, so 1, 1.0 and True are the same key.</summary>
internal sealed class JinjaKeyComparer : IEqualityComparer<object>
{
    public static readonly JinjaKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => JinjaValues.Equals(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        bool b => b ? 1 : 0,
        long l => l.GetHashCode(),
        double d when d == Math.Floor(d) && Math.Abs(d) < 9.2e18 => ((long)d).GetHashCode(),
        List<object?> or JinjaDict => throw new JinjaRuntimeError($"unhashable type: '{JinjaValues.TypeName(obj)}'"),
        object?[] tuple => tuple.Aggregate(17, (hash, item) => (hash * 31) + (item is null ? 0 : GetHashCode(item))),
        _ => obj.GetHashCode(),
    };
}
