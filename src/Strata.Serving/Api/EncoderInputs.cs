using Strata.Models.Encoders;
using Strata.Serving.Registry;

namespace Strata.Serving.Api;

/// <summary>Texts for a served encoder: tokenized within its length, with 400s that name the field.</summary>
public static class EncoderInputs
{
    /// <summary>"[CLS] prompt + text [SEP]" for <paramref name="encoder"/> (the model's prompt for <paramref name="role"/>), cut as <paramref name="truncation"/> says.</summary>
    /// <exception cref="ApiException">400 for an empty text, or one too long where truncation is None.</exception>
    public static EncodedInput Encode(ServedEncoder encoder, string? text, string field, Truncation truncation, EmbeddingRole role = EmbeddingRole.Default)
    {
        if (text is null) throw ApiException.BadRequest($"{field} must be a string", field);
        if (text.Length == 0) throw ApiException.BadRequest($"{field} must not be empty", field);
        try
        {
            return encoder.Encoder.Encode(text, truncation, role);
        }
        catch (InputTooLongException e)
        {
            throw ApiException.BadRequest($"{field} has {e.Tokens} tokens; the model holds {e.Limit}", field, "context_length_exceeded");
        }
    }

    /// <summary>Cohere's <c>truncate</c>: END (the default) keeps a long text's beginning, START its end, NONE refuses it.</summary>
    /// <exception cref="ApiException">400 naming <c>truncate</c> for another value.</exception>
    public static Truncation Truncation(string? value) => value?.ToUpperInvariant() switch
    {
        null or "END" => Strata.Models.Encoders.Truncation.End,
        "START" => Strata.Models.Encoders.Truncation.Start,
        "NONE" => Strata.Models.Encoders.Truncation.None,
        _ => throw ApiException.BadRequest($"truncate must be NONE, START or END, not '{value}'", "truncate"),
    };

    /// <summary>Cohere's <c>input_type</c> as the role whose prompt a sentence-transformers model prefixes.</summary>
    public static EmbeddingRole Role(string? inputType) => inputType switch
    {
        "search_query" => EmbeddingRole.Query,
        "search_document" => EmbeddingRole.Document,
        "classification" => EmbeddingRole.Classification,
        "clustering" => EmbeddingRole.Clustering,
        _ => EmbeddingRole.Default,
    };

    /// <summary>The encoder as an embedding model.</summary>
    /// <exception cref="ApiException">400 when it is a cross-encoder or classifier.</exception>
    public static ServedEncoder RequireEmbedding(ServedEncoder encoder)
    {
        if (encoder.Encoder.Head != EncoderHead.Embedding)
        {
            throw ApiException.BadRequest($"model '{encoder.Name}' is a classifier or cross-encoder; embeddings need an embedding model", "model");
        }
        return encoder;
    }

    /// <summary>Pooled vectors of <paramref name="inputs"/>, when the encoder's turn comes.</summary>
    public static Task<float[][]> EmbedAsync(ServedEncoder encoder, IReadOnlyList<EncodedInput> inputs, CancellationToken cancellationToken) =>
        encoder.RunAsync(e => e.Run(inputs), cancellationToken);
}
