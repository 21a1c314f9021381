using Strata.Models.Inference;
using Strata.Serving.Engine;
using Strata.Serving.Registry;

namespace Strata.Serving.Api;

/// <summary>
/// Text embeddings from a causal LM: the mean of the final (normalised) hidden states over the input's tokens,
/// scaled to unit length, so a dot product is a cosine similarity. Runs on the model's engine thread.
/// </summary>
public static class Embeddings
{
    public static IReadOnlyList<int> Encode(ServedModel model, string text, string field)
    {
        if (text.Length == 0) throw ApiException.BadRequest($"{field} must not be empty", field);
        var ids = model.Tokenizer.Encode(text, addBos: false, parseSpecialTokens: false);
        if (ids.Count > model.ContextLength) throw ApiException.BadRequest($"{field} has {ids.Count} tokens; the model's context holds {model.ContextLength}", field, "context_length_exceeded");
        return ids;
    }

    public static async Task<float[][]> ComputeAsync(InferenceEngine engine, IReadOnlyList<IReadOnlyList<int>> inputs, CancellationToken cancellationToken)
    {
        try
        {
            return await engine.RunExclusiveAsync(backend =>
                inputs.Select(ids => Pooling.MeanNormalised(backend.HiddenStates(ids), backend.HiddenSize)).ToArray(), cancellationToken);
        }
        catch (EngineBusyException e)
        {
            throw new ApiException(429, e.Message, null, "rate_limit_exceeded") { RetryAfterSeconds = e.RetryAfterSeconds };
        }
    }

    /// <summary>Little-endian float32 bytes in base64, the encoding OpenAI's SDKs request by default.</summary>
    public static string Base64(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (int i = 0; i < vector.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), vector[i]);
        return Convert.ToBase64String(bytes);
    }
}
