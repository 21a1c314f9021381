namespace Strata.Models.Templates;

/// <summary>
/// One frame of variables. Lookups fall through to the parent; <c>set</c> always writes the innermost frame, which
/// is how Jinja2 keeps assignments inside a loop iteration or macro call from leaking out (only namespaces can
/// carry a value out of a loop). A root frame made with <c>strictNames</c> fails on a name nobody defined, as Jinja2's
/// <c>StrictUndefined</c> does (evaluation task templates, where a misspelt field must not render as empty).
/// </summary>
internal sealed class JinjaScope(JinjaScope? parent, bool strictNames = false)
{
    private readonly Dictionary<string, object?> _variables = [];
    private readonly bool _strictNames = strictNames;

    public void Set(string name, object? value) => _variables[name] = value;

    public object? Lookup(string name)
    {
        JinjaScope root = this;
        for (JinjaScope? scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out object? value)) return value;
            root = scope;
        }
        if (root._strictNames) throw new JinjaRuntimeError($"'{name}' is undefined");
        return JinjaUndefined.ForName(name);
    }

    public JinjaScope? Parent { get; } = parent;
}
