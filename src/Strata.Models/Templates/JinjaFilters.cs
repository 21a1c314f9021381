using System.Globalization;

namespace Strata.Models.Templates;

/// <summary>
/// Jinja2's built-in filters that chat templates use, with Jinja2's (Python's) results; <c>tojson</c> is
/// transformers' version (see <see cref="JinjaJson"/>). Filters that Jinja2 defines as generators (map, select,
/// unique...) return lists here, so <c>tools | map(attribute='function') | tojson</c> works as llama.cpp's renderer does.
/// </summary>
internal static class JinjaFilters
{
    public static object? Apply(string name, object? value, JinjaArguments a) => name switch
    {
        "safe" => value,
        "string" => JinjaValues.ToStr(value),
        "tojson" => JinjaJson.Serialize(value, a),
        "trim" => JinjaText.Strip(JinjaValues.ToStr(value), a.Get(0, "chars") as string),
        "upper" => JinjaValues.ToStr(value).ToUpperInvariant(),
        "lower" => JinjaValues.ToStr(value).ToLowerInvariant(),
        "capitalize" => JinjaText.Capitalize(JinjaValues.ToStr(value)),
        "title" => Title(JinjaValues.ToStr(value)),
        "length" or "count" => JinjaValues.Length(value),
        "first" => JinjaValues.Iterate(value) is { Count: > 0 } items ? items[0] : new JinjaUndefined("No first item, sequence was empty."),
        "last" => JinjaValues.Iterate(value) is { Count: > 0 } all ? all[^1] : new JinjaUndefined("No last item, sequence was empty."),
        "list" => JinjaValues.Iterate(value).ToList(),
        "join" => Join(value, a),
        "default" or "d" => value is JinjaUndefined || (JinjaValues.IsTruthy(a.Get(1, "boolean", false)) && !JinjaValues.IsTruthy(value))
            ? a.Get(0, "default_value", "")
            : value,
        "int" => ToInt(value, a.Get(0, "default", 0L)),
        "float" => ToFloat(value, a.Get(0, "default", 0.0)),
        "abs" => value is double d ? Math.Abs(d) : (object)Math.Abs(JinjaValues.ToLong(value)),
        "round" => Round(value, a),
        "items" => Items(value),
        "dictsort" => DictSort(value, a),
        "replace" => JinjaText.Replace(JinjaValues.ToStr(value), JinjaValues.ToStr(a.Get(0, "old")), JinjaValues.ToStr(a.Get(1, "new")), JinjaValues.ToLong(a.Get(2, "count", -1L))),
        "indent" => Indent(JinjaValues.ToStr(value), a),
        "center" => Center(JinjaValues.ToStr(value), (int)JinjaValues.ToLong(a.Get(0, "width", 80L))),
        "wordcount" => (long)JinjaText.Split(JinjaValues.ToStr(value), null, -1).Count,
        "format" => JinjaFormat.Printf(JinjaValues.ToStr(value), a.Keywords.Count > 0 ? ToDict(a.Keywords) : a.Positional.ToArray()),
        "escape" or "e" => Escape(JinjaValues.ToStr(value)),
        "reverse" => value is string s ? string.Concat(JinjaText.Characters(s).Reverse()) : JinjaValues.Iterate(value).Reverse().ToList(),
        "unique" => Unique(value, a),
        "sort" => Sort(value, a),
        "min" => MinMax(value, a, sign: -1),
        "max" => MinMax(value, a, sign: 1),
        "sum" => Sum(value, a),
        "attr" => JinjaMembers.GetAttribute(value, JinjaValues.ToStr(a.Get(0, "name"))),
        "map" => Map(value, a),
        "select" => Select(value, a, attribute: false, keep: true),
        "reject" => Select(value, a, attribute: false, keep: false),
        "selectattr" => Select(value, a, attribute: true, keep: true),
        "rejectattr" => Select(value, a, attribute: true, keep: false),
        "batch" => Batch(value, a),
        _ => throw new JinjaRuntimeError($"No filter named '{name}'"),
    };

    /// <summary>Jinja's title filter capitalizes words split at whitespace, '-', and opening brackets.</summary>
    private static string Title(string s)
    {
        var text = new System.Text.StringBuilder(s.Length);
        bool wordStart = true;
        foreach (char c in s)
        {
            text.Append(wordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            wordStart = char.IsWhiteSpace(c) || c is '-' or '(' or '{' or '[' or '<';
        }
        return text.ToString();
    }

    private static string Join(object? value, JinjaArguments a)
    {
        string separator = JinjaValues.ToStr(a.Get(0, "d", ""));
        IEnumerable<object?> items = JinjaValues.Iterate(value);
        if (a.Get(1, "attribute") is { } attribute) items = items.Select(item => Attribute(item, attribute));
        return string.Join(separator, items.Select(JinjaValues.ToStr));
    }

    private static object? ToInt(object? value, object? fallback)
    {
        switch (value)
        {
            case long or bool: return JinjaValues.ToLong(value);
            case double d: return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                string trimmed = s.Trim().Replace("_", "");
                if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) && double.IsFinite(parsed)
                    ? (long)Math.Truncate(parsed)
                    : fallback;
            default: return fallback;
        }
    }

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        long or bool or double => JinjaValues.ToDouble(value),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        _ => fallback,
    };

    /// <summary>MarkupSafe's escape, which HF templates never need (no autoescaping) but which keeps <c>|e</c> honest.</summary>
    private static string Escape(string s) => s
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&#34;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal);

    /// <summary>Jinja's round: 'common' is Python's round() (ties to even), so an int stays an int.</summary>
    private static object? Round(object? value, JinjaArguments a)
    {
        int precision = (int)JinjaValues.ToLong(a.Get(0, "precision", 0L));
        string method = JinjaValues.ToStr(a.Get(1, "method", "common"));
        double x = JinjaValues.ToDouble(value), scale = Math.Pow(10, precision);
        return method switch
        {
            "common" when value is long or bool => JinjaValues.ToLong(value),
            "common" => Math.Round(x, Math.Clamp(precision, 0, 15), MidpointRounding.ToEven),
            "ceil" => Math.Ceiling(x * scale) / scale,
            "floor" => Math.Floor(x * scale) / scale,
            _ => throw new JinjaRuntimeError("method must be 'common', 'ceil' or 'floor'"),
        };
    }

    private static List<object?> Items(object? value) => value switch
    {
        JinjaDict dict => dict.Select(pair => (object?)new object?[] { pair.Key, pair.Value }).ToList(),
        JinjaUndefined => [],
        _ => throw new JinjaRuntimeError($"Can only get item pairs from a mapping, not {JinjaValues.TypeName(value)}"),
    };

    private static List<object?> DictSort(object? value, JinjaArguments a)
    {
        bool caseSensitive = JinjaValues.IsTruthy(a.Get(0, "case_sensitive", false));
        int by = JinjaValues.ToStr(a.Get(1, "by", "key")) == "value" ? 1 : 0;
        bool reverse = JinjaValues.IsTruthy(a.Get(2, "reverse", false));
        var pairs = Items(value);
        var sorted = pairs.OrderBy(pair => SortKey(((object?[])pair!)[by], caseSensitive), Comparer<object?>.Create(JinjaValues.Compare)).ToList();
        if (reverse) sorted.Reverse();
        return sorted;
    }

    private static object? SortKey(object? value, bool caseSensitive) =>
        !caseSensitive && value is string s ? s.ToLowerInvariant() : value;

    /// <summary>Jinja's indent: every line after the first (and the first with <c>first=true</c>) gets the
    /// indentation; blank lines only with <c>blank=true</c>.</summary>
    private static string Indent(string s, JinjaArguments a)
    {
        object? width = a.Get(0, "width", 4L);
        string indentation = width as string ?? new string(' ', (int)Math.Max(0, JinjaValues.ToLong(width)));
        bool first = JinjaValues.IsTruthy(a.Get(1, "first", false));
        bool blank = JinjaValues.IsTruthy(a.Get(2, "blank", false));
        var lines = JinjaText.SplitLines(s + "\n");
        string result;
        if (blank)
        {
            result = string.Join("\n" + indentation, lines);
        }
        else
        {
            result = lines[0];
            if (lines.Count > 1) result += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length > 0 ? indentation + line : line));
        }
        return first ? indentation + result : result;
    }

    private static string Center(string s, int width)
    {
        int padding = width - s.Length;
        if (padding <= 0) return s;
        int left = (padding / 2) + (padding & width & 1);
        return new string(' ', left) + s + new string(' ', padding - left);
    }

    private static JinjaDict ToDict(IReadOnlyDictionary<string, object?> pairs)
    {
        var dict = new JinjaDict();
        foreach (var (key, value) in pairs) dict[key] = value;
        return dict;
    }

    /// <summary>Jinja's attribute lookup for filters: dotted paths (<c>"function.name"</c>), integer parts index lists.</summary>
    private static object? Attribute(object? item, object? path)
    {
        if (path is not string dotted) return JinjaMembers.GetItem(item, path);
        foreach (string part in dotted.Split('.'))
        {
            item = JinjaMembers.GetItem(item, long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long index) ? index : part);
        }
        return item;
    }

    private static List<object?> Unique(object? value, JinjaArguments a)
    {
        bool caseSensitive = JinjaValues.IsTruthy(a.Get(0, "case_sensitive", false));
        object? attribute = a.Get(1, "attribute");
        var seen = new List<object?>();
        var unique = new List<object?>();
        foreach (object? item in JinjaValues.Iterate(value))
        {
            object? key = SortKey(attribute is null ? item : Attribute(item, attribute), caseSensitive);
            if (seen.Any(s => JinjaValues.Equals(s, key))) continue;
            seen.Add(key);
            unique.Add(item);
        }
        return unique;
    }

    private static List<object?> Sort(object? value, JinjaArguments a)
    {
        bool reverse = JinjaValues.IsTruthy(a.Get(0, "reverse", false));
        bool caseSensitive = JinjaValues.IsTruthy(a.Get(1, "case_sensitive", false));
        object? attribute = a.Get(2, "attribute");
        var sorted = JinjaValues.Iterate(value)
            .OrderBy(item => SortKey(attribute is null ? item : Attribute(item, attribute), caseSensitive), Comparer<object?>.Create(JinjaValues.Compare))
            .ToList();
        if (reverse) sorted.Reverse();
        return sorted;
    }

    private static object? MinMax(object? value, JinjaArguments a, int sign)
    {
        bool caseSensitive = JinjaValues.IsTruthy(a.Get(0, "case_sensitive", false));
        object? attribute = a.Get(1, "attribute");
        object? best = null;
        object? bestKey = null;
        bool any = false;
        foreach (object? item in JinjaValues.Iterate(value))
        {
            object? key = SortKey(attribute is null ? item : Attribute(item, attribute), caseSensitive);
            if (!any || (JinjaValues.Compare(key, bestKey) * sign) > 0)
            {
                (best, bestKey, any) = (item, key, true);
            }
        }
        return any ? best : new JinjaUndefined("No aggregated item, sequence was empty.");
    }

    private static object? Sum(object? value, JinjaArguments a)
    {
        object? attribute = a.Get(0, "attribute");
        object? total = a.Get(1, "start", 0L);
        foreach (object? item in JinjaValues.Iterate(value))
        {
            total = JinjaOperators.Binary("+", total, attribute is null ? item : Attribute(item, attribute));
        }
        return total;
    }

    /// <summary><c>map(attribute='x', default=...)</c> or <c>map('filter', args...)</c>.</summary>
    private static List<object?> Map(object? value, JinjaArguments a)
    {
        var items = JinjaValues.Iterate(value);
        if (a.Keywords.TryGetValue("attribute", out object? attribute))
        {
            bool hasDefault = a.Keywords.TryGetValue("default", out object? fallback);
            return items.Select(item => Attribute(item, attribute) is JinjaUndefined && hasDefault ? fallback : Attribute(item, attribute)).ToList();
        }
        if (a.Positional.Count == 0 || a.Positional[0] is not string filter) throw new JinjaRuntimeError("map needs a filter name or attribute=");
        var rest = new JinjaArguments(a.Positional.Skip(1).ToList(), a.Keywords);
        return items.Select(item => Apply(filter, item, rest)).ToList();
    }

    /// <summary>select/reject(test, args...) and selectattr/rejectattr(attribute, test, args...); without a test, truthiness.</summary>
    private static List<object?> Select(object? value, JinjaArguments a, bool attribute, bool keep)
    {
        int testAt = attribute ? 1 : 0;
        object? path = attribute ? a.Get(0, "attribute") : null;
        string? test = a.Positional.Count > testAt ? JinjaValues.ToStr(a.Positional[testAt]) : null;
        var testArguments = a.Positional.Skip(testAt + 1).ToList();
        return JinjaValues.Iterate(value).Where(item =>
        {
            object? subject = attribute ? Attribute(item, path) : item;
            bool passed = test is null ? JinjaValues.IsTruthy(subject) : JinjaIsTests.Apply(test, subject, testArguments);
            return passed == keep;
        }).ToList();
    }

    private static List<object?> Batch(object? value, JinjaArguments a)
    {
        int size = (int)JinjaValues.ToLong(a.Get(0, "linecount"));
        if (size <= 0) throw new JinjaRuntimeError("batch size must be positive");
        bool pad = a.Has(1, "fill_with");
        object? fill = a.Get(1, "fill_with");
        var batches = JinjaValues.Iterate(value).Chunk(size).Select(chunk =>
        {
            var batch = chunk.ToList();
            while (pad && batch.Count < size) batch.Add(fill);
            return (object?)batch;
        });
        return batches.ToList();
    }
}
