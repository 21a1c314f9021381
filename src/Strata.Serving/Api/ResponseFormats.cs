using System.Text.Json;
using Strata.Models.Generation.Constraints;

namespace Strata.Serving.Api;

/// <summary>
/// <c>response_format</c> as OpenAI's chat completions and Cohere's v2 chat take it, mapped onto a decoding constraint
/// enforced token by token: <c>text</c> (or none) is free text; <c>json_object</c> is any JSON object; a JSON Schema
/// (OpenAI: <c>{type: json_schema, json_schema: {name, schema, strict}}</c>; Cohere: <c>{type: json_object,
/// json_schema: {...}}</c>) is enforced whole, so every reply parses and validates. A schema using a keyword the
/// compiler cannot enforce is refused with a 400 naming that keyword's path, never silently loosened.
/// </summary>
public static class ResponseFormats
{
    /// <summary>The constraint OpenAI's <c>response_format</c> asks for.</summary>
    public static ITokenConstraint? OpenAi(JsonElement? format)
    {
        if (Type(format) is not { } type) return null;
        var element = format!.Value;
        switch (type)
        {
            case "text":
                return null;
            case "json_object":
                return JsonConstraint.Object;
            case "json_schema":
                if (!element.TryGetProperty("json_schema", out var definition) || definition.ValueKind != JsonValueKind.Object)
                    throw ApiException.BadRequest("response_format.json_schema must be an object with a schema", "response_format.json_schema");
                if (!definition.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
                    throw ApiException.BadRequest("response_format.json_schema.name is required", "response_format.json_schema.name");
                if (!definition.TryGetProperty("schema", out var schema))
                    throw ApiException.BadRequest("response_format.json_schema.schema is required", "response_format.json_schema.schema");
                return Schema(schema, "response_format.json_schema.schema");
            default:
                throw ApiException.BadRequest($"response_format.type must be text, json_object or json_schema, not '{type}'", "response_format.type");
        }
    }

    /// <summary>The constraint Cohere's <c>response_format</c> asks for (its schema sits directly under <c>json_schema</c>).</summary>
    public static ITokenConstraint? Cohere(JsonElement? format)
    {
        if (Type(format) is not { } type) return null;
        var element = format!.Value;
        switch (type)
        {
            case "text":
                return null;
            case "json_object" when element.TryGetProperty("json_schema", out var schema) && schema.ValueKind != JsonValueKind.Null:
                return Schema(schema, "response_format.json_schema");
            case "json_object":
                return JsonConstraint.Object;
            default:
                throw ApiException.BadRequest($"response_format.type must be text or json_object, not '{type}'", "response_format.type");
        }
    }

    /// <summary>A schema's constraint, or a 400 naming the unsupported keyword under <paramref name="field"/>.</summary>
    public static ITokenConstraint Schema(JsonElement schema, string field)
    {
        try
        {
            return JsonSchemaGrammar.Constraint(schema);
        }
        catch (UnsupportedConstraintException e)
        {
            string param = e.Path.Length == 0 ? field : $"{field}.{e.Path}";
            throw ApiException.BadRequest($"{field}: {e.Message}", param, "unsupported_schema");
        }
    }

    private static string? Type(JsonElement? format)
    {
        if (format is not JsonElement element || element.ValueKind == JsonValueKind.Null) return null;
        if (element.ValueKind != JsonValueKind.Object) throw ApiException.BadRequest("response_format must be an object with a type", "response_format");
        return element.TryGetProperty("type", out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw ApiException.BadRequest("response_format.type is required", "response_format.type");
    }
}
