using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Strata.Models.Encoders;
using Strata.Models.Inference;
using Strata.Serving.Engine;
using Strata.Serving.Registry;

namespace Strata.Serving.Api.OpenAi;

/// <summary>
/// POST /v1/embeddings: from an encoder (pooled as its sentence-transformers config says), or from a language model
/// (mean-pooled final hidden states, L2-normalised). Too-long inputs are refused, as OpenAI does.
/// </summary>
public static class EmbeddingsEndpoint
{
    public const int MaxInputs = 256;

    public static async Task HandleAsync(HttpContext http, ModelRegistry registry)
    {
        var request = await JsonBody.ReadAsync<EmbeddingRequest>(http.Request);
        string name = GenerationSettings.RequireModelName(request.Model);
        string format = request.EncodingFormat ?? "float";
        if (format is not ("float" or "base64")) throw ApiException.BadRequest("encoding_format must be 'float' or 'base64'", "encoding_format");
        float[][] vectors;
        int tokens;
        if (registry.FindEncoder(name) is { } found)
        {
            var encoder = EncoderInputs.RequireEmbedding(found);
            RequireDimensions(request, encoder.Encoder.Dimensions);
            var inputs = Texts(request.Input).Select(t => EncoderInputs.Encode(encoder, t.Text, t.Field, Truncation.None)).ToList();
            vectors = await EncoderInputs.EmbedAsync(encoder, inputs, http.RequestAborted);
            tokens = inputs.Sum(i => i.InputIds.Length);
        }
        else
        {
            var engine = registry.Get(name);
            RequireDimensions(request, engine.Model.Config.HiddenSize);
            var inputs = Inputs(engine.Model, request.Input);
            vectors = await Embeddings.ComputeAsync(engine, inputs, http.RequestAborted);
            tokens = inputs.Sum(i => i.Count);
        }
        if (request.Dimensions is int dims) vectors = vectors.Select(v => Pooling.Normalised(v.AsSpan(0, dims))).ToArray();
        var data = vectors.Select((v, i) => new EmbeddingData("embedding", i, format == "base64" ? Embeddings.Base64(v) : v)).ToList();
        await http.Response.WriteAsJsonAsync(new EmbeddingList("list", data, name, new EmbeddingUsage(tokens, tokens)),
            JsonBody.ResponseOptions, http.RequestAborted);
    }

    private static void RequireDimensions(EmbeddingRequest request, int width)
    {
        if (request.Dimensions is int d && (d < 1 || d > width)) throw ApiException.BadRequest($"dimensions must be between 1 and {width}", "dimensions");
    }

    /// <summary>An encoder's inputs: a string or a list of strings (its WordPiece vocabulary is not the one token ids would name).</summary>
    private static List<(string Text, string Field)> Texts(JsonElement? input)
    {
        if (input is not JsonElement element || element.ValueKind == JsonValueKind.Null) throw ApiException.BadRequest("input is required", "input");
        if (element.ValueKind == JsonValueKind.String) return [(element.GetString()!, "input")];
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            throw ApiException.BadRequest("input must be a string or a non-empty list of strings", "input");
        }
        if (element.GetArrayLength() > MaxInputs) throw ApiException.BadRequest($"at most {MaxInputs} inputs per request", "input");
        return element.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.String
            ? (item.GetString()!, $"input[{i}]")
            : throw ApiException.BadRequest($"input[{i}] must be a string (token-id inputs are not accepted by encoder models)", $"input[{i}]")).ToList();
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
