using System.Text.Json.Nodes;
using Strata.Models.Templates;

namespace Strata.Evaluation.Tasks;

/// <summary>
/// A task's <c>doc_to_text</c>, <c>doc_to_target</c> or <c>doc_to_choice</c>, read as lm-evaluation-harness reads it: a
/// string that names a field of the row is that field; any other string is a Jinja2 template over the row (plain text
/// is a template without placeholders); a number is that number; a list is a list of templates.
/// </summary>
public sealed class TaskField
{
    private readonly JsonNode? literal;
    private readonly string? source;
    private readonly DocumentTemplate? template;
    private readonly IReadOnlyList<DocumentTemplate>? items;

    private TaskField(JsonNode? literal, string? source, IReadOnlyList<DocumentTemplate>? items)
    {
        this.literal = literal;
        this.source = source;
        if (source is not null) template = new DocumentTemplate(source);
        this.items = items;
    }

    /// <summary>The field as written in the task file (for error messages and reports).</summary>
    public string Description => source ?? literal?.ToJsonString() ?? "[" + string.Join(", ", items!.Select(i => i.Source)) + "]";

    /// <exception cref="TemplateException">A template does not parse.</exception>
    /// <exception cref="ArgumentException">Neither a string, a number nor a list of strings.</exception>
    public static TaskField From(JsonNode node) => node switch
    {
        JsonValue value when value.TryGetValue(out string? text) => new TaskField(null, text, null),
        JsonValue value => new TaskField(value.DeepClone(), null, null),
        JsonArray array => new TaskField(null, null, array.Select(item => item is JsonValue v && v.TryGetValue(out string? s)
            ? new DocumentTemplate(s)
            : throw new ArgumentException("a list here holds strings")).ToList()),
        _ => throw new ArgumentException("expected a field name, a template, a number or a list"),
    };

    /// <summary>The field's value for one row.</summary>
    /// <exception cref="TemplateException">The template names a field the row lacks, or fails.</exception>
    public JsonNode? ValueFor(JsonObject row)
    {
        if (items is not null) return new JsonArray(items.Select(i => (JsonNode?)JsonValue.Create(i.Render(row))).ToArray());
        if (source is null) return literal?.DeepClone();
        if (row.TryGetPropertyValue(source, out JsonNode? field)) return field?.DeepClone();
        return template!.Evaluate(row);
    }
}
