using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Models.Loading;

/// <summary>
/// What a Hugging Face model directory says about chatting with it, beside the weights: the chat template and
/// special tokens from <c>tokenizer_config.json</c>, and sampling defaults and end-of-sequence ids from
/// <c>generation_config.json</c>. Every field is optional; a missing file means defaults.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>The Jinja chat template; null means the model has none (ChatML is used).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Named alternatives some models ship (Command R's <c>rag</c> and <c>tool_use</c>).</summary>
    public IReadOnlyDictionary<string, string> NamedChatTemplates { get; init; } = new Dictionary<string, string>();

    public string? BosToken { get; init; }
    public string? EosToken { get; init; }

    /// <summary>tokenizer_config.json's <c>add_bos_token</c> (GGUF: <c>tokenizer.ggml.add_bos_token</c>); null when unsaid.</summary>
    public bool? AddBosToken { get; init; }

    /// <summary>Extra end-of-sequence ids from generation_config.json (e.g. Llama 3's &lt;|eot_id|&gt;).</summary>
    public IReadOnlyList<int> GenerationEosTokenIds { get; init; } = [];

    public double? DefaultTemperature { get; init; }
    public double? DefaultTopP { get; init; }
    public int? DefaultTopK { get; init; }

    /// <exception cref="InvalidDataException">A file exists but is not valid JSON; the message names it.</exception>
    public static ModelMetadata Load(string directory)
    {
        var tokenizerConfig = ReadObject(Path.Combine(directory, "tokenizer_config.json"));
        var generationConfig = ReadObject(Path.Combine(directory, "generation_config.json"));
        string? template = null;
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (tokenizerConfig?["chat_template"])
        {
            case JsonValue value when value.TryGetValue(out string? text):
                template = text;
                break;
            case JsonArray list:
                // Newer Hub files: [{"name": "default", "template": "..."}, {"name": "rag", ...}].
                foreach (var entry in list.OfType<JsonObject>())
                {
                    if (entry["name"]?.GetValue<string>() is string name && entry["template"]?.GetValue<string>() is string body)
                    {
                        named[name] = body;
                    }
                }
                template = named.GetValueOrDefault("default");
                break;
        }
        return new ModelMetadata
        {
            ChatTemplate = template,
            NamedChatTemplates = named,
            BosToken = TokenText(tokenizerConfig?["bos_token"]),
            EosToken = TokenText(tokenizerConfig?["eos_token"]),
            AddBosToken = tokenizerConfig?["add_bos_token"] is JsonValue add && add.TryGetValue(out bool adds) ? adds : null,
            GenerationEosTokenIds = generationConfig?["eos_token_id"] switch
            {
                JsonArray ids => ids.Select(id => id!.GetValue<int>()).ToArray(),
                JsonValue id when id.TryGetValue(out int single) => [single],
                _ => [],
            },
            DefaultTemperature = Number(generationConfig?["temperature"]),
            DefaultTopP = Number(generationConfig?["top_p"]),
            DefaultTopK = (int?)Number(generationConfig?["top_k"]),
        };
    }

    /// <summary>The same from a GGUF file's metadata: <c>tokenizer.chat_template</c> (and named ones), the BOS/EOS tokens'
    /// text, <c>tokenizer.ggml.add_bos_token</c>, the end-of-turn ids, and llama.cpp's <c>general.sampling.*</c> defaults.</summary>
    public static ModelMetadata FromGguf(Gguf.GgufFile file, Tokenization.StrataTokenizer tokenizer)
    {
        const string Prefix = "tokenizer.chat_template.";
        var named = file.Metadata.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(k => k[Prefix.Length..], k => file.GetString(k) ?? "", StringComparer.Ordinal);
        return new ModelMetadata
        {
            ChatTemplate = file.GetString("tokenizer.chat_template"),
            NamedChatTemplates = named,
            BosToken = tokenizer.BosTokenId is int bos ? tokenizer.IdToToken(bos) : null,
            EosToken = tokenizer.EosTokenId is int eos ? tokenizer.IdToToken(eos) : null,
            AddBosToken = file.GetBool("tokenizer.ggml.add_bos_token"),
            GenerationEosTokenIds = new[] { "eot", "eom" }.Select(k => file.GetInteger($"tokenizer.ggml.{k}_token_id")).OfType<long>().Select(id => (int)id).ToArray(),
            DefaultTemperature = GgufNumber(file, "general.sampling.temp"),
            DefaultTopP = GgufNumber(file, "general.sampling.top_p"),
            DefaultTopK = file.GetInteger("general.sampling.top_k") is long k ? (int)k : null,
        };
    }

    private static double? GgufNumber(Gguf.GgufFile file, string key) =>
        file.Metadata.TryGetValue(key, out object? value) && value is float f ? f : null;

    // Special tokens appear as plain strings or as AddedToken objects {"content": "<s>", ...}.
    private static string? TokenText(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonObject added => added["content"]?.GetValue<string>(),
        _ => null,
    };

    private static double? Number(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue(out double number) ? number : null;

    private static JsonObject? ReadObject(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }
}
