namespace Strata.Models.Templates;

/// <summary>Jinja2's built-in tests (<c>x is name(args)</c>), with Python's notion of each type: a bool is also a
/// number, undefined is iterable (as empty), a dict is a sequence.</summary>
internal static class JinjaIsTests
{
    public static bool IsKnown(string name) => name is "defined" or "undefined" or "none" or "boolean" or "true" or "false"
        or "string" or "number" or "integer" or "float" or "mapping" or "iterable" or "sequence" or "callable"
        or "lower" or "upper" or "even" or "odd" or "divisibleby" or "in" or "sameas" or "escaped"
        or "eq" or "equalto" or "==" or "ne" or "!=" or "lt" or "lessthan" or "<" or "le" or "<="
        or "gt" or "greaterthan" or ">" or "ge" or ">=";

    public static bool Apply(string name, object? value, IReadOnlyList<object?> arguments)
    {
        object? Argument()
        {
            return arguments.Count > 0 ? arguments[0] : throw new JinjaRuntimeError($"test '{name}' needs an argument");
        }

        return name switch
        {
            "defined" => value is not JinjaUndefined,
            "undefined" => value is JinjaUndefined,
            "none" => value is null,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "string" => value is string,
            "number" => JinjaValues.IsNumber(value),
            "integer" => value is long,
            "float" => value is double,
            "mapping" => value is JinjaDict,
            "iterable" => value is string or List<object?> or object?[] or JinjaDict or JinjaUndefined,
            "sequence" => value is string or List<object?> or object?[] or JinjaDict or JinjaUndefined,
            "callable" => value is JinjaCallable,
            "lower" => JinjaValues.ToStr(value) is var lower && lower.Any(char.IsLetter) && lower == lower.ToLowerInvariant(),
            "upper" => JinjaValues.ToStr(value) is var upper && upper.Any(char.IsLetter) && upper == upper.ToUpperInvariant(),
            "escaped" => false,
            "even" => JinjaValues.ToLong(value) % 2 == 0,
            "odd" => JinjaValues.ToLong(value) % 2 != 0,
            "divisibleby" => JinjaValues.Equals(JinjaOperators.Binary("%", value, Argument()), 0L),
            "in" => JinjaOperators.Contains(Argument(), value),
            "sameas" => ReferenceEquals(value, Argument()) || (value is null or bool && JinjaValues.Equals(value, Argument()) && value?.GetType() == Argument()?.GetType()),
            "eq" or "equalto" or "==" => JinjaOperators.Compare("==", value, Argument()),
            "ne" or "!=" => JinjaOperators.Compare("!=", value, Argument()),
            "lt" or "lessthan" or "<" => JinjaOperators.Compare("<", value, Argument()),
            "le" or "<=" => JinjaOperators.Compare("<=", value, Argument()),
            "gt" or "greaterthan" or ">" => JinjaOperators.Compare(">", value, Argument()),
            "ge" or ">=" => JinjaOperators.Compare(">=", value, Argument()),
            _ => throw new JinjaRuntimeError($"No test named '{name}'"),
        };
    }
}
