namespace Strata.Models.Templates;

/// <summary>
/// One frame of variables. Lookups fall through to the parent; <c>set</c> always writes the innermost frame, which
/// is how Jinja2 keeps assignments inside a loop iteration or macro call from leaking out (only namespaces can
/// carry a value out of a loop).
/// </summary>
internal sealed class JinjaScope(JinjaScope? parent)
{
    private readonly Dictionary<string, object?> _variables = [];

    public void Set(string name, object? value) => _variables[name] = value;

    public object? Lookup(string name)
    {
        for (JinjaScope? scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out object? value)) return value;
        }
        return JinjaUndefined.ForName(name);
    }

    public JinjaScope? Parent { get; } = parent;
}
