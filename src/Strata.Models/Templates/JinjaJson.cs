using System.Globalization;
using System.Text;

namespace Strata.Models.Templates;

/// <summary>
/// The <c>tojson</c> filter as Hugging Face's transformers defines it for chat templates: Python's
/// <c>json.dumps(value, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)</c>, so no
/// HTML escaping (unlike stock Jinja2), non-ASCII text kept as is, and Python's default separators
/// (<c>", "</c> and <c>": "</c>; <c>","</c> between items when indenting).
/// </summary>
internal sealed class JinjaJson
{
    private readonly bool _ensureAscii;
    private readonly string? _indent;
    private readonly string _itemSeparator;
    private readonly string _keySeparator;
    private readonly bool _sortKeys;

    private JinjaJson(bool ensureAscii, string? indent, string itemSeparator, string keySeparator, bool sortKeys)
    {
        _ensureAscii = ensureAscii;
        _indent = indent;
        _itemSeparator = itemSeparator;
        _keySeparator = keySeparator;
        _sortKeys = sortKeys;
    }

    /// <summary>Arguments in transformers' order: <c>tojson(ensure_ascii=False, indent=None, separators=None, sort_keys=False)</c>.</summary>
    public static string Serialize(object? value, JinjaArguments arguments)
    {
        bool ensureAscii = JinjaValues.IsTruthy(arguments.Get(0, "ensure_ascii", false));
        string? indent = arguments.Get(1, "indent") switch
        {
            null => null,
            string s => s,
            object n when JinjaValues.IsInteger(n) => new string(' ', (int)Math.Max(0, JinjaValues.ToLong(n))),
            object other => throw new JinjaRuntimeError($"tojson indent must be an int or str, not {JinjaValues.TypeName(other)}"),
        };
        string itemSeparator = indent is null ? ", " : ",", keySeparator = ": ";
        if (arguments.Get(2, "separators") is IReadOnlyList<object?> { Count: 2 } separators)
        {
            itemSeparator = separators[0] as string ?? throw new JinjaRuntimeError("tojson separators must be strings");
            keySeparator = separators[1] as string ?? throw new JinjaRuntimeError("tojson separators must be strings");
        }
        bool sortKeys = JinjaValues.IsTruthy(arguments.Get(3, "sort_keys", false));
        var text = new StringBuilder();
        new JinjaJson(ensureAscii, indent, itemSeparator, keySeparator, sortKeys).Write(text, value, 0);
        return text.ToString();
    }

    private void Write(StringBuilder text, object? value, int depth)
    {
        JinjaValues.EnsureStack();
        switch (value)
        {
            case null: text.Append("null"); break;
            case bool b: text.Append(b ? "true" : "false"); break;
            case long l: text.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                text.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : JinjaValues.FormatFloat(d));
                break;
            case string s: WriteString(text, s); break;
            case JinjaDict dict:
                var pairs = dict.Select(pair => (Key: KeyText(pair.Key), pair.Value)).ToList();
                if (_sortKeys) pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                WriteContainer(text, '{', '}', pairs, depth, (pair, level) =>
                {
                    WriteString(text, pair.Key);
                    text.Append(_keySeparator);
                    Write(text, pair.Value, level);
                });
                break;
            case List<object?> or object?[]:
                WriteContainer(text, '[', ']', (IReadOnlyList<object?>)value, depth, (item, level) => Write(text, item, level));
                break;
            default:
                throw new JinjaRuntimeError($"Object of type {JinjaValues.TypeName(value)} is not JSON serializable");
        }
    }

    private void WriteContainer<T>(StringBuilder text, char open, char close, IReadOnlyList<T> items, int depth, Action<T, int> writeItem)
    {
        text.Append(open);
        if (items.Count == 0)
        {
            text.Append(close);
            return;
        }
        string? inner = _indent is null ? null : "\n" + string.Concat(Enumerable.Repeat(_indent, depth + 1));
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0) text.Append(_itemSeparator);
            text.Append(inner);
            writeItem(items[i], depth + 1);
        }
        if (_indent is not null) text.Append('\n').Append(string.Concat(Enumerable.Repeat(_indent, depth)));
        text.Append(close);
    }

    /// <summary>Python's json turns non-string keys into strings: <c>True</c> becomes "true", <c>None</c> "null".</summary>
    private static string KeyText(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long or double => JinjaValues.ToStr(key),
        _ => throw new JinjaRuntimeError($"keys must be str, int, float, bool or None, not {JinjaValues.TypeName(key)}"),
    };

    private void WriteString(StringBuilder text, string s)
    {
        text.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < ' ' || (_ensureAscii && c > '\x7f')) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }
}
