using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Models.Encoders;

/// <summary>
/// Random-weight encoder folders for tests and smoke runs (<c>strata init --preset bert-tiny</c>): complete Hugging
/// Face / sentence-transformers folders — config, weights, WordPiece vocabulary, tokenizer config and pooling — that
/// every encoder path (embed, rerank, classify) opens as it would a downloaded model.
/// </summary>
public static class EncoderPresets
{
    /// <summary>The preset names: a mean-pooling embedding model and a one-logit cross-encoder.</summary>
    public static IReadOnlyList<string> Names { get; } = ["bert-tiny", "bert-tiny-reranker"];

    public static bool IsEncoder(string preset) => Names.Contains(preset);

    /// <summary>Writes the preset's folder into <paramref name="directory"/>; returns its parameter count.</summary>
    public static long Create(string preset, string directory, long seed = 0)
    {
        var vocabulary = TinyVocabulary();
        var config = new EncoderConfig
        {
            Architectures = [preset == "bert-tiny-reranker" ? "BertForSequenceClassification" : "BertModel"],
            VocabSize = vocabulary.Count,
            HiddenSize = 64,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            IntermediateSize = 128,
            MaxPositionEmbeddings = 128,
            IdToLabel = preset == "bert-tiny-reranker" ? new Dictionary<string, string> { ["0"] = "LABEL_0" } : null,
        };
        if (!IsEncoder(preset)) throw new ArgumentException($"unknown encoder preset '{preset}' ({string.Join(", ", Names)})", nameof(preset));
        Directory.CreateDirectory(directory);
        using var model = EncoderCheckpoint.Create(config, seed);
        EncoderCheckpoint.Save(model, config, directory);
        File.WriteAllLines(Path.Combine(directory, "vocab.txt"), vocabulary);
        Write(Path.Combine(directory, "tokenizer_config.json"), new JsonObject
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = true,
            ["model_max_length"] = config.MaxPositionEmbeddings,
        });
        if (config.Head == EncoderHead.Embedding)
        {
            Write(Path.Combine(directory, "modules.json"), new JsonArray(
                Module(0, "", "Transformer"), Module(1, "1_Pooling", "Pooling"), Module(2, "2_Normalize", "Normalize")));
            Directory.CreateDirectory(Path.Combine(directory, "1_Pooling"));
            Write(Path.Combine(directory, "1_Pooling", "config.json"), new JsonObject
            {
                ["word_embedding_dimension"] = config.HiddenSize,
                ["pooling_mode_cls_token"] = false,
                ["pooling_mode_mean_tokens"] = true,
                ["pooling_mode_max_tokens"] = false,
                ["pooling_mode_mean_sqrt_len_tokens"] = false,
            });
        }
        return model.parameters().Sum(p => p.numel());
    }

    /// <summary>
    /// [PAD] [UNK] [CLS] [SEP] [MASK] at 0–4, then every lower-case ASCII letter, digit and punctuation mark, each also as
    /// a "##" continuation: any lower-cased ASCII text splits into known pieces (character by character at worst).
    /// </summary>
    public static IReadOnlyList<string> TinyVocabulary()
    {
        var vocabulary = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        var characters = Enumerable.Range(33, 94).Select(c => (char)c).Where(c => !char.IsUpper(c)).Select(c => c.ToString()).ToList();
        vocabulary.AddRange(characters);
        vocabulary.AddRange(characters.Where(c => char.IsLetterOrDigit(c[0])).Select(c => "##" + c));
        return vocabulary;
    }

    private static JsonObject Module(int index, string path, string type) => new()
    {
        ["idx"] = index,
        ["name"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["path"] = path,
        ["type"] = $"sentence_transformers.models.{type}",
    };

    private static void Write(string path, JsonNode node) =>
        File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
