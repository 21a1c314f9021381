using System.Text;
using System.Text.Json;

namespace Strata.Training.Datasets;

/// <summary>
/// Reads pretraining documents: a .txt or .md file is one document; a .jsonl file holds one <c>{"text": "..."}</c>
/// object per line (blank lines skipped). Text is kept exactly as stored (no newline translation, unlike Python's
/// text mode; Tiny Shakespeare has only \n so nanoGPT's split is reproduced anyway).
/// </summary>
internal static class PretrainTextReader
{
    // Strict: a corrupt byte should stop the build, not silently become U+FFFD in the training data.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsSupported(string path) => Path.GetExtension(path).ToLowerInvariant() is ".txt" or ".md" or ".jsonl";

    /// <exception cref="InvalidDataException">Invalid UTF-8, or a bad .jsonl line (message <c>"{path}:{line}: ..."</c>).</exception>
    public static IEnumerable<string> Read(string path, CancellationToken ct)
    {
        if (!IsSupported(path))
            throw new ArgumentException($"{path}: unsupported input type (expected .txt, .md or .jsonl)", nameof(path));
        return Path.GetExtension(path).Equals(".jsonl", StringComparison.OrdinalIgnoreCase) ? ReadJsonLines(path, ct) : ReadWholeFile(path);
    }

    private static IEnumerable<string> ReadWholeFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, StrictUtf8);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{path}: not valid UTF-8 ({e.Message})", e);
        }
        yield return text;
    }

    private static IEnumerable<string> ReadJsonLines(string path, CancellationToken ct)
    {
        using var reader = new StreamReader(path, StrictUtf8, detectEncodingFromByteOrderMarks: true);
        int lineNumber = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException e)
            {
                // The reader decodes ahead in blocks, so the line is where the bad bytes were noticed, not exact.
                throw new InvalidDataException($"{path}:{lineNumber + 1}: not valid UTF-8 near here ({e.Message})", e);
            }
            if (line is null) yield break;
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            yield return ParseLine(path, lineNumber, line);
        }
    }

    private static string ParseLine(string path, int lineNumber, string line)
    {
        InvalidDataException Bad(string what, Exception? inner = null) => new($"{path}:{lineNumber}: {what}", inner);
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Bad($"expected a JSON object like {{\"text\": \"...\"}}, found {root.ValueKind}");
            if (!root.TryGetProperty("text", out var text)) throw Bad("missing the \"text\" field");
            if (text.ValueKind != JsonValueKind.String) throw Bad($"\"text\" must be a string, found {text.ValueKind}");
            return text.GetString()!;
        }
        catch (JsonException e)
        {
            throw Bad($"not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>Number of Unicode code points (Python's <c>len</c>); an unpaired surrogate counts as one.</summary>
    public static long CountCodePoints(string text)
    {
        long count = text.Length;
        for (int i = 0; i + 1 < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                count--;
                i++;
            }
        }
        return count;
    }

    /// <summary>UTF-16 index of code point number <paramref name="codePoints"/> (same pairing rule as
    /// <see cref="CountCodePoints"/>), so a split never cuts a surrogate pair.</summary>
    public static int CharIndexOfCodePoint(string text, long codePoints)
    {
        int i = 0;
        for (long seen = 0; seen < codePoints; seen++)
        {
            bool pair = i + 1 < text.Length && char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]);
            i += pair ? 2 : 1;
        }
        return i;
    }
}
