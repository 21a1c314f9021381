using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Models.Encoders;

/// <summary>What an input is, for models that embed queries and passages differently (e5's "query: ", bge's instruction).</summary>
public enum EmbeddingRole
{
    /// <summary>No prompt (the model's default prompt when it names one).</summary>
    Default,
    Query,
    Document,
    Classification,
    Clustering,
}

/// <summary>
/// A sentence-transformers folder's settings besides pooling: <c>max_seq_length</c> from <c>sentence_bert_config.json</c>
/// (sentence-transformers truncates there, often below the position table: 256 for all-MiniLM-L6-v2), and the
/// <c>prompts</c> of <c>config_sentence_transformers.json</c>, prefixed to texts by role (e5: "query: " / "passage: ").
/// </summary>
public sealed record SentenceTransformersSettings(int? MaxSequenceLength, IReadOnlyDictionary<string, string> Prompts, string? DefaultPromptName)
{
    public static SentenceTransformersSettings None { get; } = new(null, new Dictionary<string, string>(), null);

    /// <exception cref="InvalidDataException">A malformed file; names it.</exception>
    public static SentenceTransformersSettings Read(string directory)
    {
        int? maxLength = null;
        if (Parse(Path.Combine(directory, "sentence_bert_config.json")) is JsonObject bert && bert["max_seq_length"] is JsonValue length)
        {
            maxLength = length.TryGetValue(out int value) && value > 0 ? value
                : throw new InvalidDataException($"{Path.Combine(directory, "sentence_bert_config.json")}: max_seq_length must be a positive integer");
        }
        var prompts = new Dictionary<string, string>(StringComparer.Ordinal);
        string? defaultName = null;
        if (Parse(Path.Combine(directory, "config_sentence_transformers.json")) is JsonObject st)
        {
            if (st["prompts"] is JsonObject given)
            {
                foreach (var (name, value) in given) if (value is JsonValue v && v.TryGetValue(out string? text)) prompts[name] = text;
            }
            defaultName = st["default_prompt_name"] is JsonValue d && d.TryGetValue(out string? n) ? n : null;
        }
        return new SentenceTransformersSettings(maxLength, prompts, defaultName);
    }

    /// <summary>The prefix for a text in <paramref name="role"/>: the model's prompt of that name ("document" also
    /// answers to "passage"), else its default prompt, else nothing.</summary>
    public string PromptFor(EmbeddingRole role)
    {
        string[] names = role switch
        {
            EmbeddingRole.Query => ["query"],
            EmbeddingRole.Document => ["document", "passage"],
            EmbeddingRole.Classification => ["classification"],
            EmbeddingRole.Clustering => ["clustering"],
            _ => [],
        };
        foreach (string name in names) if (Prompts.TryGetValue(name, out string? prompt)) return prompt;
        return DefaultPromptName is not null && Prompts.TryGetValue(DefaultPromptName, out string? fallback) ? fallback : "";
    }

    private static JsonNode? Parse(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON: {e.Message}", e);
        }
    }
}
