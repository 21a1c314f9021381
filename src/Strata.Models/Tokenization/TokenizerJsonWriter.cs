using System.Text.Encodings.Web;
using System.Text.Json;

namespace Strata.Models.Tokenization;

/// <summary>
/// Writes a <see cref="BpeModel"/> as a Hugging Face <c>tokenizer.json</c> (format version 1.0), the file that the
/// Python <c>tokenizers</c> library, transformers and transformers.js load. The pipeline mirrors GPT-2's: split on
/// the pre-tokenizer regex (isolated), then map bytes to GPT-2 characters without a regex of its own; BPE with no
/// unknown token (every byte is in the vocabulary); byte-level decoding.
/// </summary>
public static class TokenizerJsonWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // Keep byte-level tokens such as "Ġthe" readable instead of "\u0120the"; both are valid JSON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes the file atomically: to a temporary file beside it, then renamed over the target.</summary>
    public static void Write(BpeModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                Write(model, stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static void Write(BpeModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var json = new Utf8JsonWriter(stream, WriterOptions);
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");
        WriteAddedTokens(json, model);
        json.WriteNull("normalizer");
        WritePreTokenizer(json, model.PreTokenizerPattern);
        json.WritePropertyName("post_processor");
        WriteByteLevel(json, addPrefixSpace: true, trimOffsets: false, useRegex: true);
        json.WritePropertyName("decoder");
        WriteByteLevel(json, addPrefixSpace: true, trimOffsets: true, useRegex: true);
        WriteModel(json, model);
        json.WriteEndObject();
    }

    private static void WriteAddedTokens(Utf8JsonWriter json, BpeModel model)
    {
        json.WriteStartArray("added_tokens");
        foreach (var (content, id) in model.SpecialTokens.OrderBy(t => t.Value))
        {
            json.WriteStartObject();
            json.WriteNumber("id", id);
            json.WriteString("content", content);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("special", true);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WritePreTokenizer(Utf8JsonWriter json, string pattern)
    {
        json.WriteStartObject("pre_tokenizer");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("pretokenizers");

        json.WriteStartObject();
        json.WriteString("type", "Split");
        json.WriteStartObject("pattern");
        json.WriteString("Regex", pattern);
        json.WriteEndObject();
        json.WriteString("behavior", "Isolated");
        json.WriteBoolean("invert", false);
        json.WriteEndObject();

        // The Split above already did GPT-2's regex; a second regex pass here would be redundant.
        WriteByteLevel(json, addPrefixSpace: false, trimOffsets: true, useRegex: false);

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter json, bool addPrefixSpace, bool trimOffsets, bool useRegex)
    {
        json.WriteStartObject();
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", addPrefixSpace);
        json.WriteBoolean("trim_offsets", trimOffsets);
        json.WriteBoolean("use_regex", useRegex);
        json.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter json, BpeModel model)
    {
        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteNull("continuing_subword_prefix");
        json.WriteNull("end_of_word_suffix");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteBoolean("ignore_merges", false);

        json.WriteStartObject("vocab");
        foreach (var (token, id) in model.GetEncodedVocabulary().OrderBy(t => t.Value)) json.WriteNumber(token, id);
        json.WriteEndObject();

        // "left right" is unambiguous: byte-level token strings never contain a space (it maps to 'Ġ').
        json.WriteStartArray("merges");
        foreach (var (left, right) in model.GetEncodedMerges()) json.WriteStringValue(left + " " + right);
        json.WriteEndArray();

        json.WriteEndObject();
    }
}
