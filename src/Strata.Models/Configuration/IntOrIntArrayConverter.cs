using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strata.Models.Configuration;

/// <summary>HF writes <c>eos_token_id</c> as a number or an array of numbers; both read as a list.</summary>
internal sealed class IntOrIntArrayConverter : JsonConverter<IReadOnlyList<int>>
{
    // "eos_token_id": null must read as an empty list, not leave the property null.
    public override bool HandleNull => true;

    public override IReadOnlyList<int> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return [];
            case JsonTokenType.Number:
                return [reader.GetInt32()];
            case JsonTokenType.StartArray:
                var values = new List<int>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) values.Add(reader.GetInt32());
                return values;
            default:
                throw new JsonException($"expected a number or an array of numbers, found {reader.TokenType}");
        }
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<int> value, JsonSerializerOptions options)
    {
        if (value.Count == 0)
        {
            writer.WriteNullValue();
            return;
        }
        if (value.Count == 1)
        {
            writer.WriteNumberValue(value[0]);
            return;
        }
        writer.WriteStartArray();
        foreach (int v in value) writer.WriteNumberValue(v);
        writer.WriteEndArray();
    }
}
