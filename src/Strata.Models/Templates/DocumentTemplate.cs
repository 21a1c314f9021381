using System.Text.Json.Nodes;

namespace Strata.Models.Templates;

/// <summary>
/// A Jinja2 template over one dataset row, as lm-evaluation-harness renders a task's <c>doc_to_text</c>,
/// <c>doc_to_target</c> and <c>doc_to_choice</c>: the row's fields are top-level variables, and a name the row does not
/// have is an error (Jinja2's <c>StrictUndefined</c>, which the harness uses), so a misspelt field never renders as
/// empty text. Same Jinja dialect as chat templates (<see cref="ChatTemplate"/>). Thread-safe.
/// </summary>
public sealed class DocumentTemplate
{
    private readonly IReadOnlyList<JinjaStatement> _program;
    private readonly JinjaExpression? _single;

    /// <exception cref="TemplateException">A syntax error, with its line and column.</exception>
    public DocumentTemplate(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source;
        _program = JinjaParser.Parse(source);
        var statements = _program.Where(s => s is not TextStatement { Text: var t } || !string.IsNullOrWhiteSpace(t)).ToList();
        _single = statements is [OutputStatement output] ? output.Expression : null;
    }

    public string Source { get; }

    /// <summary>The template's text for <paramref name="document"/>.</summary>
    /// <exception cref="TemplateException">A field is missing or an expression fails; the message says which.</exception>
    public string Render(JsonObject document) => Run(document, scope => JinjaInterpreter.Render(_program, scope));

    /// <summary>
    /// The value of a template that is one <c>{{ expression }}</c> (a list stays a list, a number a number: what
    /// <c>doc_to_choice: "{{[a, b]}}"</c> or <c>doc_to_target: "{{label}}"</c> mean), else the rendered text.
    /// </summary>
    /// <exception cref="TemplateException">A field is missing or an expression fails.</exception>
    public JsonNode? Evaluate(JsonObject document) => _single is null
        ? JsonValue.Create(Render(document))
        : Run(document, scope => ToJson(JinjaInterpreter.EvaluateExpression(_single, scope)));

    private static T Run<T>(JsonObject document, Func<JinjaScope, T> run)
    {
        ArgumentNullException.ThrowIfNull(document);
        try
        {
            var globals = new JinjaScope(parent: null, strictNames: true);
            foreach (var (name, function) in JinjaGlobals.Create(TimeProvider.System)) globals.Set(name, function);
            var scope = new JinjaScope(globals);
            foreach (var (name, value) in document) scope.Set(name, JinjaValues.FromJson(value));
            return run(scope);
        }
        catch (JinjaRuntimeError error)
        {
            throw new TemplateException(error.Message, error);
        }
        catch (Exception error) when (error is not (TemplateException or OutOfMemoryException))
        {
            throw new TemplateException($"Rendering failed: {error.Message}", error);
        }
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null or JinjaUndefined => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        JinjaDict dict => new JsonObject(dict.Select(p => KeyValuePair.Create(JinjaValues.ToStr(p.Key), ToJson(p.Value)))),
        IEnumerable<object?> items => new JsonArray(items.Select(ToJson).ToArray()),
        _ => JsonValue.Create(JinjaValues.ToStr(value)),
    };
}
