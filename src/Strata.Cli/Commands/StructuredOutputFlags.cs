using System.CommandLine;
using System.Text.Json;
using Strata.Models.Generation.Constraints;
using Strata.Models.Tools;

namespace Strata.Cli.Commands;

/// <summary>
/// <c>strata generate</c>'s flags for output that must follow a form: <c>--json-object</c>, <c>--json-schema FILE</c>,
/// <c>--regex PATTERN</c>, and tools (<c>--tools tools.json</c> with <c>--tool-choice</c>). A file that cannot be read
/// or enforced is named with the reason.
/// </summary>
internal sealed class StructuredOutputFlags
{
    private readonly Option<bool> jsonObject = new("--json-object") { Description = "Constrained decoding: the output is a JSON object, token by token (OpenAI's json_object mode)" };
    private readonly Option<string?> jsonSchema = new("--json-schema") { Description = "Constrained decoding: the output is valid against this JSON Schema file", HelpName = "FILE" };
    private readonly Option<string?> regex = new("--regex") { Description = "Constrained decoding: the output matches this regular expression whole", HelpName = "PATTERN" };
    private readonly Option<string?> tools = new("--tools") { Description = "With --chat: tools the model may call, an OpenAI tools list (the quickstart writes one: models/quickstart/tools.json)", HelpName = "FILE" };
    private readonly Option<string> toolChoice = new("--tool-choice") { Description = "auto, required, none, or a tool's name (its call is then required)", DefaultValueFactory = _ => "auto" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { jsonObject, jsonSchema, regex, tools, toolChoice }) command.Add(option);
    }

    /// <summary>The tools offered, or null without <c>--tools</c>.</summary>
    public ToolUse? Tools(ParseResult parse, string? chatTemplate)
    {
        if (parse.GetValue(tools) is not string file) return null;
        using var document = ReadJson(file);
        try
        {
            var functions = ToolDefinitions.Parse(document.RootElement, file);
            string choice = parse.GetRequiredValue(toolChoice);
            var element = choice is "auto" or "required" or "none"
                ? JsonSerializer.SerializeToElement(choice)
                : JsonSerializer.SerializeToElement(new { type = "function", function = new { name = choice } });
            return new ToolUse(functions, ToolDefinitions.Choice(element, functions, "--tool-choice"), parallel: true, chatTemplate);
        }
        catch (ToolDefinitionException e)
        {
            throw new ArgumentException($"{file}: {e.Message}");
        }
    }

    /// <summary>The one constraint the flags ask for (tools' own, when tools are offered).</summary>
    public ITokenConstraint? Constraint(ParseResult parse, ToolUse? toolUse)
    {
        bool json = parse.GetValue(jsonObject);
        string? schemaFile = parse.GetValue(jsonSchema), pattern = parse.GetValue(regex);
        int asked = (json ? 1 : 0) + (schemaFile is null ? 0 : 1) + (pattern is null ? 0 : 1) + (toolUse is null ? 0 : 1);
        if (asked > 1) throw new ArgumentException("--json-object, --json-schema, --regex and --tools exclude one another");
        if (toolUse is not null) return toolUse.Constraint;
        if (json) return JsonConstraint.Object;
        try
        {
            if (pattern is not null) return new GrammarConstraint(RegexGrammar.Compile(pattern));
            if (schemaFile is null) return null;
            using var document = ReadJson(schemaFile);
            return JsonSchemaGrammar.Constraint(document.RootElement.Clone());
        }
        catch (UnsupportedConstraintException e)
        {
            throw new ArgumentException($"{(pattern is not null ? "--regex" : schemaFile)}: {e.Message}");
        }
    }

    private static JsonDocument ReadJson(string file)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(file));
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{file}: line {e.LineNumber + 1}: not JSON ({e.Message})");
        }
        catch (IOException e)
        {
            throw new ArgumentException($"{file}: {e.Message}");
        }
    }
}
