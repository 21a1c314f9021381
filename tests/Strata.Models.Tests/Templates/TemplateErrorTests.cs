using System.Text.Json.Nodes;
using Strata.Models.Templates;

namespace Strata.Models.Tests.Templates;

/// <summary>Broken templates fail with a <see cref="TemplateException"/> that says where.</summary>
public sealed class TemplateErrorTests
{
    [Theory]
    [InlineData("line one\n{% for m in messages %}\n{{ m }}\n", 2, 1)] // unclosed for: the error points at its opening tag
    [InlineData("{% if a %}\n  {% if b %}x{% endif %}\n", 1, 1)]
    [InlineData("a\nb\n  {% macro m() %}body", 3, 3)]
    [InlineData("{% if a %}x{% else %}y", 1, 1)]
    [InlineData("{{ 'never closed }}", 1, 4)]
    [InlineData("ok\n{{ name ", 2, 1)]
    [InlineData("ok\n{% if x\nmore", 2, 1)]
    [InlineData("{# comment", 1, 1)]
    [InlineData("{% endfor %}", 1, 4)]
    [InlineData("{% frobnicate %}", 1, 4)]
    [InlineData("{{ a ) }}", 1, 6)]
    [InlineData("{{ a + }}", 1, 8)]
    [InlineData("{{ x is nonsense }}", 1, 9)]
    [InlineData("{% for in xs %}{% endfor %}", 1, 11)] // 'in' is read as the loop variable, then 'in' is missing
    [InlineData("{{ x @ y }}", 1, 6)]
    public void SyntaxErrorsHaveLineAndColumn(string source, int line, int column)
    {
        var error = Assert.Throws<TemplateException>(() => new ChatTemplate(source));

        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Contains($"line {line}", error.Message);
        Assert.False(error.RaisedByTemplate);
    }

    [Fact]
    public void UnclosedBlockNamesTheBlockAndWhatWasExpected()
    {
        var error = Assert.Throws<TemplateException>(() => new ChatTemplate("{% for m in messages %}\n{% if m %}x{% endif %}"));

        Assert.Contains("'for'", error.Message);
        Assert.Contains("'endfor'", error.Message);
    }

    [Theory]
    [InlineData("ok\n{{ undefined_thing.attribute }}", 2, "'undefined_thing' is undefined")]
    [InlineData("{% for m in messages %}\n  {{ m | no_such_filter }}\n{% endfor %}", 2, "No filter named 'no_such_filter'")]
    [InlineData("{{ 'a' + 1 }}", 1, "unsupported operand type(s) for +: 'str' and 'int'")]
    [InlineData("{{ 1 // 0 }}", 1, "division or modulo by zero")]
    [InlineData("{% set x = 1 %}{% set x.y = 2 %}", 1, "only namespace() objects can be changed")]
    [InlineData("{{ messages[0] | tojson }}{{ undefined_thing | tojson }}", 1, "Undefined is not JSON serializable")]
    [InlineData("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", 1, "recursed")]
    public void RenderErrorsSayWhatAndWhere(string source, int line, string message)
    {
        var template = new ChatTemplate(source);
        var messages = JsonNode.Parse("""[{"role": "user", "content": "hi"}]""")!.AsArray();

        var error = Assert.Throws<TemplateException>(() => template.Render(messages, addGenerationPrompt: false));

        Assert.Contains(message, error.Message);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void AbsurdNestingFailsInsteadOfOverflowingTheStack()
    {
        Assert.Throws<TemplateException>(() => new ChatTemplate("{{ " + new string('(', 100_000) + "1" + new string(')', 100_000) + " }}"));
        Assert.Throws<TemplateException>(() => new ChatTemplate(string.Concat(Enumerable.Repeat("{% if x %}", 100_000))));

        // A long flat chain parses without recursion; evaluating it either succeeds or fails cleanly.
        var chain = new ChatTemplate("{{ 1" + string.Concat(Enumerable.Repeat(" + 1", 200_000)) + " }}");
        Exception? error = Record.Exception(() => chain.Render([], addGenerationPrompt: false));
        Assert.True(error is null or TemplateException, error?.ToString());

        var selfReference = new ChatTemplate("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}");
        Assert.Throws<TemplateException>(() => selfReference.Render([], addGenerationPrompt: false));
    }
}
