using Microsoft.AspNetCore.Http;
using Strata.Models.Encoders;
using Strata.Serving.Registry;

namespace Strata.Serving.Api.Cohere;

/// <summary>POST /v2/embed, /v1/tokenize and /v1/detokenize with Cohere's field names.</summary>
public static class CohereEmbedEndpoints
{
    private static readonly HashSet<string> InputTypes = ["search_document", "search_query", "classification", "clustering", "image"];
    private static readonly HashSet<string> EmbeddingTypes = ["float", "int8", "uint8", "binary", "ubinary"];
    public static async Task EmbedAsync(HttpContext http, ModelRegistry registry)
    {
        var request = await JsonBody.ReadAsync<CohereEmbedRequest>(http.Request);
        string name = GenerationSettings.RequireModelName(request.Model);
        var encoder = registry.FindEncoder(name) is { } found ? EncoderInputs.RequireEmbedding(found) : null;
        var engine = encoder is null ? registry.Get(name) : null;
        if (request.InputType is null) throw ApiException.BadRequest("input_type is required (search_document, search_query, classification or clustering)", "input_type");
        if (!InputTypes.Contains(request.InputType) || request.InputType == "image")
        {
            throw ApiException.BadRequest($"input_type '{request.InputType}' is not one of search_document, search_query, classification, clustering", "input_type");
        }
        if (request.Texts is null || request.Texts.Count == 0) throw ApiException.BadRequest("texts must be a non-empty list of strings", "texts");
        if (request.Texts.Count > 96) throw ApiException.BadRequest("at most 96 texts per request", "texts");   // Cohere's limit
        var types = request.EmbeddingTypes is null or { Count: 0 } ? ["float"] : request.EmbeddingTypes;
        for (int i = 0; i < types.Count; i++)
        {
            if (types[i] is not string type || !EmbeddingTypes.Contains(type))
            {
                throw ApiException.BadRequest($"embedding_types[{i}] must be one of float, int8, uint8, binary, ubinary", $"embedding_types[{i}]");
            }
        }
        float[][] vectors;
        int tokens;
        if (encoder is not null)
        {
            var truncation = EncoderInputs.Truncation(request.Truncate);
            var inputs = request.Texts.Select((t, i) => EncoderInputs.Encode(encoder, t, $"texts[{i}]", truncation, EncoderInputs.Role(request.InputType))).ToList();
            vectors = await EncoderInputs.EmbedAsync(encoder, inputs, http.RequestAborted);
            tokens = inputs.Sum(i => i.InputIds.Length);
        }
        else
        {
            var inputs = request.Texts.Select((t, i) => Embeddings.Encode(engine!.Model, t ?? throw ApiException.BadRequest($"texts[{i}] must be a string", $"texts[{i}]"), $"texts[{i}]")).ToList();
            vectors = await Embeddings.ComputeAsync(engine!, inputs, http.RequestAborted);
            tokens = inputs.Sum(i => i.Count);
        }
        int[][]? Quantized(string type, Func<float[], int[]> quantize) => types.Contains(type) ? vectors.Select(quantize).ToArray() : null;
        var embeddings = new CohereEmbeddingsByType(
            Float: types.Contains("float") ? vectors : null,
            Int8: Quantized("int8", EmbeddingQuantization.Int8),
            UInt8: Quantized("uint8", EmbeddingQuantization.UInt8),
            Binary: Quantized("binary", EmbeddingQuantization.Binary),
            UBinary: Quantized("ubinary", EmbeddingQuantization.UBinary));
        var meta = CohereMeta.Version("2", new CohereBilledUnits(InputTokens: tokens));
        await http.Response.WriteAsJsonAsync(new CohereEmbedResponse(Guid.NewGuid().ToString(), "embeddings_by_type", embeddings, request.Texts, meta),
            JsonBody.ResponseOptions, http.RequestAborted);
    }

    public static async Task TokenizeAsync(HttpContext http, ModelRegistry registry)
    {
        var request = await JsonBody.ReadAsync<CohereTokenizeRequest>(http.Request);
        var model = registry.Get(GenerationSettings.RequireModelName(request.Model)).Model;
        var ids = request.Messages is null ? TextTokens(model, request.Text) : ChatPromptTokens(model, request);
        var strings = ids.Select(id => model.Tokenizer.Decode([id])).ToArray();
        await http.Response.WriteAsJsonAsync(new CohereTokenizeResponse(ids, strings, CohereMeta.Version("1")), JsonBody.ResponseOptions, http.RequestAborted);
    }

    private static IReadOnlyList<int> TextTokens(ServedModel model, string? text)
    {
        if (text is null) throw ApiException.BadRequest("text (or messages) is required", "text");
        if (text.Length == 0 || text.Length > 65536) throw ApiException.BadRequest("text must be 1 to 65536 characters", "text");
        return model.Tokenizer.Encode(text, addBos: false, parseSpecialTokens: false);
    }

    private static IReadOnlyList<int> ChatPromptTokens(ServedModel model, CohereTokenizeRequest request)
    {
        if (request.Text is not null) throw ApiException.BadRequest("give text or messages, not both", "messages");
        return ChatMessages.EncodePrompt(model, OpenAi.ChatMessageInput.ToTemplateInput(request.Messages));
    }

    public static async Task DetokenizeAsync(HttpContext http, ModelRegistry registry)
    {
        var request = await JsonBody.ReadAsync<CohereDetokenizeRequest>(http.Request);
        var model = registry.Get(GenerationSettings.RequireModelName(request.Model)).Model;
        if (request.Tokens is null) throw ApiException.BadRequest("tokens is required", "tokens");
        for (int i = 0; i < request.Tokens.Count; i++)
        {
            if (request.Tokens[i] < 0 || request.Tokens[i] >= model.Tokenizer.VocabularySize)
            {
                throw ApiException.BadRequest($"tokens[{i}] = {request.Tokens[i]} is not in the vocabulary [0, {model.Tokenizer.VocabularySize})", $"tokens[{i}]");
            }
        }
        await http.Response.WriteAsJsonAsync(new CohereDetokenizeResponse(model.Tokenizer.Decode(request.Tokens), CohereMeta.Version("1")),
            JsonBody.ResponseOptions, http.RequestAborted);
    }
}

/// <summary>
/// Compressed embeddings as Cohere names them. Cohere does not publish its quantiser; Strata scales each unit vector
/// by 127 / max|x| (int8) and packs sign bits eight to a byte, most significant first (binary = byte − 128,
/// ubinary = byte), the conventions of sentence-transformers' <c>quantize_embeddings</c>.
/// </summary>
public static class EmbeddingQuantization
{
    public static int[] Int8(float[] v)
    {
        double scale = 127.0 / Math.Max(1e-12, v.Max(Math.Abs));
        return v.Select(x => (int)Math.Clamp(Math.Round(x * scale), -127, 127)).ToArray();
    }

    public static int[] UInt8(float[] v) => Int8(v).Select(x => x + 128).ToArray();

    public static int[] UBinary(float[] v)
    {
        var packed = new int[(v.Length + 7) / 8];
        for (int i = 0; i < v.Length; i++) if (v[i] > 0) packed[i / 8] |= 0x80 >> (i % 8);
        return packed;
    }

    public static int[] Binary(float[] v) => UBinary(v).Select(b => b - 128).ToArray();
}
