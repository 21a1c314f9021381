namespace Strata.Models.Templates;

// Runtime values are plain CLR objects, mirroring the Python objects Jinja2 sees in Hugging Face's renderer:
// null (None), bool, long (int), double (float), string (str), List<object?> (list), object?[] (tuple),
// JinjaDict (dict), and the few classes below.

/// <summary>Jinja2's default <c>Undefined</c>: renders as empty, is falsy, iterates as empty; any other use fails.</summary>
internal sealed class JinjaUndefined(string hint)
{
    /// <summary>Why the value is undefined, e.g. <c>'tools' is undefined</c>; the message when it is misused.</summary>
    public string Hint { get; } = hint;

    public static JinjaUndefined ForName(string name) => new($"'{name}' is undefined");

    public JinjaRuntimeError Misused() => new(Hint);
}

/// <summary>A Python dict: insertion-ordered, keys compared with Python equality (so 1, 1.0 and True are one key).</summary>
internal sealed class JinjaDict : OrderedDictionary<object, object?>
{
    public JinjaDict()
        : base(JinjaKeyComparer.Instance)
    {
    }
}

/// <summary>Jinja2's <c>namespace(...)</c>: the one object a template may change, through <c>set ns.attr = value</c>.</summary>
internal sealed class JinjaNamespace
{
    public Dictionary<string, object?> Attributes { get; } = [];
}

/// <summary>Positional and keyword arguments of a call, already evaluated.</summary>
internal sealed record JinjaArguments(IReadOnlyList<object?> Positional, IReadOnlyDictionary<string, object?> Keywords)
{
    public static readonly JinjaArguments None = new([], new Dictionary<string, object?>());

    /// <summary>The argument at <paramref name="position"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Get(int position, string name, object? fallback = null) =>
        position < Positional.Count ? Positional[position] : Keywords.TryGetValue(name, out object? value) ? value : fallback;

    public bool Has(int position, string name) => position < Positional.Count || Keywords.ContainsKey(name);
}

/// <summary>A function value: a global (<c>range</c>), a bound method (<c>s.strip</c>) or a macro.</summary>
internal sealed class JinjaCallable(string name, Func<JinjaArguments, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(JinjaArguments arguments) => invoke(arguments);
}

/// <summary>The <c>loop</c> variable of a for loop.</summary>
internal sealed class JinjaLoop(IReadOnlyList<object?> items, int index)
{
    public object? GetAttribute(string name) => name switch
    {
        "index" => (long)index + 1,
        "index0" => (long)index,
        "revindex" => (long)(items.Count - index),
        "revindex0" => (long)(items.Count - index - 1),
        "first" => index == 0,
        "last" => index == items.Count - 1,
        "length" => (long)items.Count,
        "previtem" => index > 0 ? items[index - 1] : new JinjaUndefined("there is no previous item"),
        "nextitem" => index < items.Count - 1 ? items[index + 1] : new JinjaUndefined("there is no next item"),
        "depth" => 1L,
        "depth0" => 0L,
        "cycle" => new JinjaCallable("loop.cycle", arguments =>
            arguments.Positional.Count == 0
                ? throw new JinjaRuntimeError("loop.cycle() needs at least one value")
                : arguments.Positional[index % arguments.Positional.Count]),
        _ => new JinjaUndefined($"'loop' has no attribute '{name}'"),
    };
}

/// <summary>A rendering error without a place; the interpreter adds the line of the statement it happened in.</summary>
internal sealed class JinjaRuntimeError(string message) : Exception(message);
