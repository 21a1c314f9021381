using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Strata.Serving.Engine;
using Strata.Serving.Models;

namespace Strata.Serving.Api.OpenAi;

/// <summary>POST /v1/embeddings: mean-pooled final hidden states, L2-normalised.</summary>
public static class EmbeddingsEndpoint
{
    public const int MaxInputs = 256;

    public static async Task HandleAsync(HttpContext http, ModelRegistry registry)
    {
        var request = await JsonBody.ReadAsync<EmbeddingRequest>(http.Request);
        var engine = registry.Get(GenerationSettings.RequireModelName(request.Model));
        var inputs = Inputs(engine.Model, request.Input);
        string format = request.EncodingFormat ?? "float";
        if (format is not ("float" or "base64")) throw ApiException.BadRequest("encoding_format must be 'float' or 'base64'", "encoding_format");
        int hidden = engine.Model.Config.HiddenSize;
        if (request.Dimensions is int d && (d < 1 || d > hidden)) throw ApiException.BadRequest($"dimensions must be between 1 and {hidden}", "dimensions");

        var vectors = await Embeddings.ComputeAsync(engine, inputs, http.RequestAborted);
        if (request.Dimensions is int dims) vectors = vectors.Select(v => Embeddings.Normalise(v[..dims])).ToArray();
        var data = vectors.Select((v, i) => new EmbeddingData("embedding", i, format == "base64" ? Embeddings.Base64(v) : v)).ToList();
        int tokens = inputs.Sum(i => i.Count);
        await http.Response.WriteAsJsonAsync(new EmbeddingList("list", data, engine.Model.Name, new EmbeddingUsage(tokens, tokens)),
            JsonBody.ResponseOptions, http.RequestAborted);
    }

    private static List<IReadOnlyList<int>> Inputs(ServedModel model, JsonElement? input)
    {
        if (input is not JsonElement element || element.ValueKind == JsonValueKind.Null) throw ApiException.BadRequest("input is required", "input");
        var result = new List<IReadOnlyList<int>>();
        if (element.ValueKind == JsonValueKind.String) result.Add(Embeddings.Encode(model, element.GetString()!, "input"));
        else if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0 && element[0].ValueKind == JsonValueKind.Number) result.Add(Tokens(model, element, "input"));
        else if (element.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var item in element.EnumerateArray())
            {
                string at = $"input[{i++}]";
                result.Add(item.ValueKind switch
                {
                    JsonValueKind.String => Embeddings.Encode(model, item.GetString()!, at),
                    JsonValueKind.Array => Tokens(model, item, at),
                    _ => throw ApiException.BadRequest($"{at} must be a string or a list of token ids", at),
                });
            }
        }
        else throw ApiException.BadRequest("input must be a string, a list of strings, or token ids", "input");
        if (result.Count == 0) throw ApiException.BadRequest("input must not be an empty list", "input");
        if (result.Count > MaxInputs) throw ApiException.BadRequest($"at most {MaxInputs} inputs per request", "input");
        return result;
    }

    private static IReadOnlyList<int> Tokens(ServedModel model, JsonElement tokens, string field)
    {
        var ids = new List<int>();
        foreach (var item in tokens.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id) || id < 0 || id >= model.Config.VocabSize)
            {
                throw ApiException.BadRequest($"{field}[{ids.Count}] must be a token id in [0, {model.Config.VocabSize})", $"{field}[{ids.Count}]");
            }
            ids.Add(id);
        }
        if (ids.Count == 0) throw ApiException.BadRequest($"{field} must not be empty", field);
        if (ids.Count > model.ContextLength) throw ApiException.BadRequest($"{field} has {ids.Count} tokens; the model's context holds {model.ContextLength}", field, "context_length_exceeded");
        return ids;
    }
}
