using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Strata.Models.Tools;

/// <summary>A function the model may call, as OpenAI's <c>tools[].function</c> and Cohere's v2 tools describe it.</summary>
public sealed record ToolFunction(string Name, string? Description, JsonElement Parameters)
{
    /// <summary>The parameters when a tool declares none: an object with no properties.</summary>
    public static JsonElement NoParameters { get; } = JsonDocument.Parse("""{"type": "object", "properties": {}}""").RootElement.Clone();

    /// <summary>The tool as chat templates read it (<c>tools</c>): <c>{"type": "function", "function": {name, description, parameters}}</c>.</summary>
    public JsonObject ToTemplate()
    {
        var function = new JsonObject { ["name"] = Name };
        if (Description is not null) function["description"] = Description;
        function["parameters"] = JsonNode.Parse(Parameters.GetRawText());
        return new JsonObject { ["type"] = "function", ["function"] = function };
    }
}

/// <summary>A call the model made: its id, the function's name and the arguments as JSON text (as OpenAI returns them).</summary>
public sealed record ToolCall(string Id, string Name, string Arguments)
{
    /// <summary>A fresh id in OpenAI's style.</summary>
    public static string NewId() => "call_" + Guid.NewGuid().ToString("N")[..24];
}

/// <summary>A tool list or choice the server cannot use; <see cref="Path"/> names the field (e.g. <c>tools[1].function.name</c>).</summary>
public sealed class ToolDefinitionException(string message, string path) : Exception(message)
{
    public string Path { get; } = path;
}

/// <summary>Which calls the model may or must make: OpenAI's <c>tool_choice</c> (Cohere's <c>tool_choice</c> maps onto it).</summary>
public sealed record ToolChoice(ToolChoiceMode Mode, string? Function = null)
{
    public static ToolChoice Auto { get; } = new(ToolChoiceMode.Auto);

    public static ToolChoice None { get; } = new(ToolChoiceMode.None);

    public static ToolChoice Required { get; } = new(ToolChoiceMode.Required);
}

public enum ToolChoiceMode
{
    /// <summary>The model answers or calls, as it likes; calls it starts are constrained to valid ones.</summary>
    Auto,

    /// <summary>The tools are not offered.</summary>
    None,

    /// <summary>The reply is one or more calls (to <see cref="ToolChoice.Function"/> when named), enforced.</summary>
    Required,
}

/// <summary>Reads and checks tool definitions from the wire: names unique and well-formed, parameters a JSON Schema object.</summary>
public static partial class ToolDefinitions
{
    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();

    /// <param name="field">The request field holding the list, for error paths.</param>
    public static IReadOnlyList<ToolFunction> Parse(JsonElement tools, string field = "tools")
    {
        if (tools.ValueKind != JsonValueKind.Array) throw new ToolDefinitionException($"{field} must be a list of tools", field);
        var result = new List<ToolFunction>();
        int index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            string at = $"{field}[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object) throw new ToolDefinitionException($"{at} must be an object", at);
            if (!tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "function")
                throw new ToolDefinitionException($"{at}.type must be \"function\"", $"{at}.type");
            if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw new ToolDefinitionException($"{at}.function must be an object with a name", $"{at}.function");
            string? name = function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (name is null || !NamePattern().IsMatch(name))
                throw new ToolDefinitionException($"{at}.function.name must be 1-64 letters, digits, underscores or dashes", $"{at}.function.name");
            if (result.Any(t => t.Name == name)) throw new ToolDefinitionException($"{at}.function.name '{name}' is defined twice", $"{at}.function.name");
            string? description = null;
            if (function.TryGetProperty("description", out var d) && d.ValueKind != JsonValueKind.Null)
                description = d.ValueKind == JsonValueKind.String ? d.GetString() : throw new ToolDefinitionException($"{at}.function.description must be a string", $"{at}.function.description");
            var parameters = ToolFunction.NoParameters;
            if (function.TryGetProperty("parameters", out var p) && p.ValueKind != JsonValueKind.Null)
                parameters = p.ValueKind == JsonValueKind.Object ? p.Clone() : throw new ToolDefinitionException($"{at}.function.parameters must be a JSON Schema object", $"{at}.function.parameters");
            result.Add(new ToolFunction(name, description, parameters));
        }
        return result;
    }

    /// <summary>OpenAI's <c>tool_choice</c>: "auto", "none", "required", or <c>{"type": "function", "function": {"name": …}}</c> naming a defined tool.</summary>
    public static ToolChoice Choice(JsonElement? choice, IReadOnlyList<ToolFunction> tools, string field = "tool_choice")
    {
        if (choice is not JsonElement element || element.ValueKind == JsonValueKind.Null) return tools.Count == 0 ? ToolChoice.None : ToolChoice.Auto;
        if (element.ValueKind == JsonValueKind.String)
        {
            return element.GetString() switch
            {
                "auto" => ToolChoice.Auto,
                "none" => ToolChoice.None,
                "required" => tools.Count > 0 ? ToolChoice.Required : throw new ToolDefinitionException($"{field} is required but no tools are defined", field),
                var other => throw new ToolDefinitionException($"{field} must be auto, none, required or a named function, not '{other}'", field),
            };
        }
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
            && function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            string named = name.GetString()!;
            if (!tools.Any(t => t.Name == named)) throw new ToolDefinitionException($"{field}.function.name '{named}' is not among the tools", $"{field}.function.name");
            return new ToolChoice(ToolChoiceMode.Required, named);
        }
        throw new ToolDefinitionException($"{field} must be auto, none, required or {{\"type\": \"function\", \"function\": {{\"name\": …}}}}", field);
    }
}
