using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Data.IO;

/// <summary>Cells of Parquet.Net's untyped rows as JSON.</summary>
public static class ParquetValues
{
    /// <summary>
    /// Lists and structs become arrays and objects; text stays text. Parquet.Net hands the strings inside lists over as
    /// <c>ReadOnlyMemory&lt;char&gt;</c>, which a plain serializer would write as arrays of letters.
    /// </summary>
    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        ReadOnlyMemory<char> text => JsonValue.Create(text.ToString()),
        System.Collections.IDictionary map => new JsonObject(map.Keys.Cast<object>().Select(k => KeyValuePair.Create(k.ToString()!, ToJson(map[k])))),
        System.Collections.IEnumerable items => new JsonArray(items.Cast<object?>().Select(ToJson).ToArray()),
        _ => JsonSerializer.SerializeToNode(value),
    };
}
