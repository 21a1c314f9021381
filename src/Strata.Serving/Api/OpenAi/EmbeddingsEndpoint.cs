using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Strata.Models.Inference;
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
        if (request.Dimensions is int dims) vectors = vectors.Select(v => Pooling.Normalised(v.AsSpan(0, dims))).ToArray();
        var data = vectors.Select((v, i) => new EmbeddingData("embedding", i, format == "base64" ? Embeddings.Base64(v) : v)).ToList();
        int tokens = inputs.Sum(i => i.Count);
        await http.Response.WriteAsJsonAsync(new EmbeddingList("list", data, engine.Model.Name, new EmbeddingUsage(tokens, tokens)),
            JsonBody.ResponseOptions, http.RequestAborted);
    }

    private static List<IReadOnlyList<int>> Inputs(ServedModel model, JsonElement? input)
    {
        var inputs = TokenInputs.Parse(model, input, "input", MaxInputs, "inputs", (text, field) => Embeddings.Encode(model, text, field));
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Ids.Count > model.ContextLength)
            {
                string field = inputs.Count == 1 ? "input" : $"input[{i}]";
                throw ApiException.BadRequest($"{field} has {inputs[i].Ids.Count} tokens; the model's context holds {model.ContextLength}", field, "context_length_exceeded");
            }
        }
        return inputs.Select(i => i.Ids).ToList();
    }
}
