using System.Text;

namespace Strata.Models.Templates;

/// <summary>
/// <c>obj.name</c> and <c>obj[key]</c> as Jinja2's sandbox resolves them. An attribute is looked up before an item
/// for <c>.</c> (so <c>d.items</c> is the dict method even when the dict has an "items" key), an item before an
/// attribute for <c>[]</c>. Methods that would change a value are unavailable, as in Hugging Face's immutable sandbox.
/// </summary>
internal static class JinjaMembers
{
    private static readonly HashSet<string> UnsafeMethods = ["pop", "popitem", "setdefault", "update", "clear", "append", "extend", "insert", "remove", "sort", "reverse"];

    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case JinjaUndefined undefined: throw undefined.Misused();
            case JinjaLoop loop: return loop.GetAttribute(name);
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out object? attribute) ? attribute : Missing(target, name);
        }
        if (UnsafeMethods.Contains(name) && target is JinjaDict or List<object?>)
        {
            return new JinjaUndefined($"access to attribute '{name}' of '{JinjaValues.TypeName(target)}' object is unsafe");
        }
        JinjaCallable? method = target switch
        {
            string s => StringMethod(s, name),
            JinjaDict dict => DictMethod(dict, name),
            List<object?> or object?[] => ListMethod((IReadOnlyList<object?>)target, name),
            _ => null,
        };
        if (method is not null) return method;
        if (target is JinjaDict map && map.TryGetValue(name, out object? item)) return item;
        return Missing(target, name);
    }

    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case JinjaUndefined undefined:
                throw undefined.Misused();
            case JinjaDict dict:
                if (key is List<object?> or JinjaDict) throw new JinjaRuntimeError($"unhashable type: '{JinjaValues.TypeName(key)}'");
                if (key is not null && dict.TryGetValue(key, out object? value)) return value;
                break;
            case List<object?> or object?[] when JinjaValues.IsInteger(key):
                var items = (IReadOnlyList<object?>)target;
                long index = JinjaValues.ToLong(key);
                if (index < 0) index += items.Count;
                return index >= 0 && index < items.Count ? items[(int)index] : new JinjaUndefined($"{JinjaValues.TypeName(target)} index out of range");
            case string s when JinjaValues.IsInteger(key):
                var characters = JinjaText.HasSurrogates(s) ? JinjaText.Characters(s).ToList() : null;
                int length = characters?.Count ?? s.Length;
                long at = JinjaValues.ToLong(key);
                if (at < 0) at += length;
                if (at < 0 || at >= length) return new JinjaUndefined("string index out of range");
                return characters is null ? s[(int)at].ToString() : characters[(int)at];
        }
        return key is string name ? GetAttribute(target, name) : Missing(target, JinjaValues.Repr(key));
    }

    private static JinjaUndefined Missing(object? target, string name) =>
        new($"'{JinjaValues.TypeName(target)} object' has no attribute '{name}'");

    private static JinjaCallable Method(string name, Func<JinjaArguments, object?> body) => new(name, body);

    private static string? OptionalString(JinjaArguments arguments, int position, string name) =>
        arguments.Get(position, name) switch
        {
            null => null,
            string s => s,
            object other => throw new JinjaRuntimeError($"{name} must be str or None, not {JinjaValues.TypeName(other)}"),
        };

    private static string RequiredString(JinjaArguments arguments, int position, string name) =>
        arguments.Get(position, name, new JinjaUndefined("")) as string
        ?? throw new JinjaRuntimeError($"argument '{name}' must be a string");

    private static JinjaCallable? StringMethod(string s, string name) => name switch
    {
        "strip" => Method(name, a => JinjaText.Strip(s, OptionalString(a, 0, "chars"))),
        "lstrip" => Method(name, a => JinjaText.Strip(s, OptionalString(a, 0, "chars"), right: false)),
        "rstrip" => Method(name, a => JinjaText.Strip(s, OptionalString(a, 0, "chars"), left: false)),
        "split" => Method(name, a => JinjaText.Split(s, OptionalString(a, 0, "sep"), JinjaValues.ToLong(a.Get(1, "maxsplit", -1L)))),
        "splitlines" => Method(name, _ => JinjaText.SplitLines(s).Cast<object?>().ToList()),
        "startswith" => Method(name, a => Affix(s, a.Get(0, "prefix"), s.StartsWith)),
        "endswith" => Method(name, a => Affix(s, a.Get(0, "suffix"), s.EndsWith)),
        "upper" => Method(name, _ => s.ToUpperInvariant()),
        "lower" => Method(name, _ => s.ToLowerInvariant()),
        "title" => Method(name, _ => JinjaText.Title(s)),
        "capitalize" => Method(name, _ => JinjaText.Capitalize(s)),
        "replace" => Method(name, a => JinjaText.Replace(s, RequiredString(a, 0, "old"), RequiredString(a, 1, "new"), JinjaValues.ToLong(a.Get(2, "count", -1L)))),
        "find" => Method(name, a => (long)s.IndexOf(RequiredString(a, 0, "sub"), StringComparison.Ordinal)),
        "rfind" => Method(name, a => (long)s.LastIndexOf(RequiredString(a, 0, "sub"), StringComparison.Ordinal)),
        "count" => Method(name, a => (long)CountOccurrences(s, RequiredString(a, 0, "sub"))),
        "join" => Method(name, a => string.Join(s, JinjaValues.Iterate(a.Get(0, "iterable")).Select(JinjaValues.ToStr))),
        "isdigit" => Method(name, _ => s.Length > 0 && s.All(char.IsDigit)),
        "isalpha" => Method(name, _ => s.Length > 0 && s.All(char.IsLetter)),
        "isalnum" => Method(name, _ => s.Length > 0 && s.All(char.IsLetterOrDigit)),
        "isspace" => Method(name, _ => s.Length > 0 && s.All(JinjaText.IsSpace)),
        "islower" => Method(name, _ => s.Any(char.IsLetter) && s.ToLowerInvariant() == s),
        "isupper" => Method(name, _ => s.Any(char.IsLetter) && s.ToUpperInvariant() == s),
        "format" => Method(name, a => FormatBraces(s, a)),
        _ => null,
    };

    private static bool Affix(string s, object? affix, Func<string, StringComparison, bool> test) => affix switch
    {
        string one => test(one, StringComparison.Ordinal),
        object?[] or List<object?> => ((IEnumerable<object?>)affix).Any(item =>
            item is string text ? test(text, StringComparison.Ordinal) : throw new JinjaRuntimeError("tuple for startswith/endswith must only contain str")),
        _ => throw new JinjaRuntimeError($"startswith/endswith first arg must be str or a tuple of str, not {JinjaValues.TypeName(affix)}"),
    };

    private static int CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0) return (int)JinjaText.Length(s) + 1;
        int count = 0;
        for (int at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>Python's <c>str.format</c> for plain fields: <c>{}</c>, <c>{0}</c>, <c>{name}</c> and <c>{{ }}</c> escapes
    /// (format specifications such as <c>{:>4}</c> are not supported).</summary>
    private static string FormatBraces(string format, JinjaArguments arguments)
    {
        var text = new StringBuilder();
        int automatic = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if ((c == '{' || c == '}') && i + 1 < format.Length && format[i + 1] == c)
            {
                text.Append(c);
                i++;
                continue;
            }
            if (c != '{')
            {
                text.Append(c);
                continue;
            }
            int close = format.IndexOf('}', i);
            if (close < 0) throw new JinjaRuntimeError("Single '{' encountered in format string");
            string field = format[(i + 1)..close];
            if (field.Contains(':') || field.Contains('!')) throw new JinjaRuntimeError("format specifications in str.format are not supported");
            object? value = field.Length == 0 ? arguments.Get(automatic++, "")
                : int.TryParse(field, out int position) ? arguments.Get(position, "")
                : arguments.Keywords.TryGetValue(field, out object? named) ? named
                : throw new JinjaRuntimeError($"KeyError: '{field}'");
            text.Append(JinjaValues.ToStr(value));
            i = close;
        }
        return text.ToString();
    }

    private static JinjaCallable? DictMethod(JinjaDict dict, string name) => name switch
    {
        "items" => Method(name, _ => dict.Select(pair => (object?)new object?[] { pair.Key, pair.Value }).ToList()),
        "keys" => Method(name, _ => dict.Keys.Cast<object?>().ToList()),
        "values" => Method(name, _ => dict.Values.ToList()),
        "get" => Method(name, a =>
        {
            object? key = a.Get(0, "key");
            return key is not null && dict.TryGetValue(key, out object? value) ? value : a.Get(1, "default");
        }),
        "copy" => Method(name, _ =>
        {
            var copy = new JinjaDict();
            foreach (var (key, value) in dict) copy[key] = value;
            return copy;
        }),
        _ => null,
    };

    private static JinjaCallable? ListMethod(IReadOnlyList<object?> items, string name) => name switch
    {
        "index" => Method(name, a =>
        {
            object? wanted = a.Get(0, "value");
            for (int i = 0; i < items.Count; i++)
            {
                if (JinjaValues.Equals(items[i], wanted)) return (long)i;
            }
            throw new JinjaRuntimeError($"{JinjaValues.Repr(wanted)} is not in list");
        }),
        "count" => Method(name, a => (long)items.Count(item => JinjaValues.Equals(item, a.Get(0, "value")))),
        _ => null,
    };
}
