namespace Strata.Models.Templates;

/// <summary>
/// The functions every chat template can call: Jinja2's <c>range</c>, <c>namespace</c> and <c>dict</c>, and the two
/// that Hugging Face's transformers adds, <c>raise_exception(message)</c> and <c>strftime_now(format)</c>.
/// </summary>
internal static class JinjaGlobals
{
    public static IEnumerable<KeyValuePair<string, object?>> Create(TimeProvider clock)
    {
        yield return Function("range", Range);
        yield return Function("namespace", NewNamespace);
        yield return Function("dict", arguments =>
        {
            var dict = new JinjaDict();
            foreach (var (key, value) in Pairs(arguments, "dict")) dict[key] = value;
            return dict;
        });
        yield return Function("raise_exception", arguments =>
            throw new TemplateException(JinjaValues.ToStr(arguments.Get(0, "message", ""))) { RaisedByTemplate = true });
        yield return Function("strftime_now", arguments =>
            JinjaStrftime.Format(clock.GetLocalNow(), JinjaValues.ToStr(arguments.Get(0, "format", ""))));
    }

    private static KeyValuePair<string, object?> Function(string name, Func<JinjaArguments, object?> body) =>
        new(name, new JinjaCallable(name, body));

    private static JinjaNamespace NewNamespace(JinjaArguments arguments)
    {
        var ns = new JinjaNamespace();
        foreach (var (key, value) in Pairs(arguments, "namespace"))
        {
            ns.Attributes[key as string ?? throw new JinjaRuntimeError("namespace keys must be strings")] = value;
        }
        return ns;
    }

    /// <summary>Python's <c>dict(mapping_or_pairs, **keywords)</c> argument convention.</summary>
    private static IEnumerable<KeyValuePair<object, object?>> Pairs(JinjaArguments arguments, string name)
    {
        if (arguments.Positional.Count > 1) throw new JinjaRuntimeError($"{name} expected at most 1 positional argument");
        if (arguments.Positional.Count == 1)
        {
            switch (arguments.Positional[0])
            {
                case JinjaDict dict:
                    foreach (var pair in dict) yield return pair;
                    break;
                case JinjaUndefined undefined:
                    throw undefined.Misused();
                case var iterable:
                    foreach (object? pair in JinjaValues.Iterate(iterable))
                    {
                        if (pair is not IReadOnlyList<object?> { Count: 2 } kv || kv[0] is null)
                        {
                            throw new JinjaRuntimeError($"{name} needs a mapping or (key, value) pairs");
                        }
                        yield return new(kv[0]!, kv[1]);
                    }
                    break;
            }
        }
        foreach (var (key, value) in arguments.Keywords) yield return new(key, value);
    }

    private static object? Range(JinjaArguments arguments)
    {
        var p = arguments.Positional;
        if (p.Count is 0 or > 3) throw new JinjaRuntimeError("range expected 1 to 3 arguments");
        long start = p.Count == 1 ? 0 : JinjaValues.ToLong(p[0]);
        long stop = JinjaValues.ToLong(p.Count == 1 ? p[0] : p[1]);
        long step = p.Count == 3 ? JinjaValues.ToLong(p[2]) : 1;
        if (step == 0) throw new JinjaRuntimeError("range() arg 3 must not be zero");

        // Jinja's sandbox caps ranges at 100,000 items (MAX_RANGE) so a template cannot exhaust memory.
        const long MaxRange = 100_000;
        var items = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (items.Count >= MaxRange) throw new JinjaRuntimeError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            items.Add(i);
        }
        return items;
    }
}
