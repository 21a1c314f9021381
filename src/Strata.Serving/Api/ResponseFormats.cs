using System.Text.Json;
using Strata.Models.Generation.Constraints;

namespace Strata.Serving.Api;

/// <summary>
/// <c>response_format</c> as OpenAI's chat completions and Cohere's v2 chat take it, mapped onto a decoding constraint:
/// <c>text</c> (or none) is free text; <c>json_object</c> makes every reply a JSON object, enforced token by token,
/// so it always parses. JSON Schemas are not enforced yet and are refused rather than ignored.
/// </summary>
public static class ResponseFormats
{
    public static ITokenConstraint? Constraint(JsonElement? format)
    {
        if (format is not JsonElement element || element.ValueKind == JsonValueKind.Null) return null;
        if (element.ValueKind != JsonValueKind.Object) throw ApiException.BadRequest("response_format must be an object with a type", "response_format");
        string? type = element.TryGetProperty("type", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        switch (type)
        {
            case "text":
                return null;
            case "json_object" when element.TryGetProperty("json_schema", out var schema) && schema.ValueKind != JsonValueKind.Null:
                throw ApiException.BadRequest("response_format.json_schema: schemas are not enforced yet; send json_object without one", "response_format.json_schema", "unsupported_parameter");
            case "json_object":
                return JsonConstraint.Object;
            case "json_schema":
                throw ApiException.BadRequest("response_format.type json_schema is not supported yet; json_object is", "response_format.type", "unsupported_parameter");
            default:
                throw ApiException.BadRequest($"response_format.type must be text or json_object{(type is null ? "" : $", not '{type}'")}", "response_format.type");
        }
    }
}
