using System.Text.Json;
using Strata.Serving.Registry;

namespace Strata.Serving.Api;

/// <summary>One text-or-tokens input: the text (decoded when the client sent ids) and its token ids.</summary>
public sealed record TokenInput(string Text, IReadOnlyList<int> Ids);

/// <summary>
/// OpenAI's polymorphic inputs (completions' <c>prompt</c>, embeddings' <c>input</c>): a string, a list of strings,
/// a list of token ids, or a list mixing strings and token-id lists. Every id is checked against the vocabulary.
/// </summary>
public static class TokenInputs
{
    /// <param name="encode">How a string becomes ids for this endpoint (with or without BOS, its own limits).</param>
    /// <param name="noun">What one item is called in messages ("prompts", "inputs").</param>
    public static List<TokenInput> Parse(ServedModel model, JsonElement? value, string field, int maxItems, string noun,
        Func<string, string, IReadOnlyList<int>> encode)
    {
        if (value is not JsonElement element || element.ValueKind == JsonValueKind.Null) throw ApiException.BadRequest($"{field} is required", field);
        var result = new List<TokenInput>();
        if (element.ValueKind == JsonValueKind.String)
        {
            result.Add(new TokenInput(element.GetString()!, encode(element.GetString()!, field)));
        }
        else if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0 && element[0].ValueKind == JsonValueKind.Number)
        {
            result.Add(FromIds(model, element, field));
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var item in element.EnumerateArray())
            {
                string at = $"{field}[{i++}]";
                result.Add(item.ValueKind switch
                {
                    JsonValueKind.String => new TokenInput(item.GetString()!, encode(item.GetString()!, at)),
                    JsonValueKind.Array => FromIds(model, item, at),
                    _ => throw ApiException.BadRequest($"{at} must be a string or a list of token ids", at),
                });
            }
        }
        else
        {
            throw ApiException.BadRequest($"{field} must be a string, a list of strings, or token ids", field);
        }
        if (result.Count == 0) throw ApiException.BadRequest($"{field} must not be an empty list", field);
        if (result.Count > maxItems) throw ApiException.BadRequest($"at most {maxItems} {noun} per request", field);
        return result;
    }

    /// <summary>Token ids, each in the model's vocabulary.</summary>
    public static IReadOnlyList<int> Ids(ServedModel model, IEnumerable<JsonElement> items, string field)
    {
        var ids = new List<int>();
        foreach (var item in items)
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id) || id < 0 || id >= model.Config.VocabSize)
            {
                throw ApiException.BadRequest($"{field}[{ids.Count}] must be a token id in [0, {model.Config.VocabSize})", $"{field}[{ids.Count}]");
            }
            ids.Add(id);
        }
        return ids;
    }

    private static TokenInput FromIds(ServedModel model, JsonElement tokens, string field)
    {
        var ids = Ids(model, tokens.EnumerateArray(), field);
        if (ids.Count == 0) throw ApiException.BadRequest($"{field} must not be empty", field);
        return new TokenInput(model.Tokenizer.Decode(ids), ids);
    }
}
