using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strata.Training.Datasets;

/// <summary>Reads and writes meta.json, and decides whether an existing dataset is still up to date.</summary>
internal static class TokenDatasetMeta
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // A misspelt or foreign key means the file is not ours (or is from a newer format): refuse it.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <exception cref="InvalidDataException">The file is missing, is not valid JSON for
    /// <see cref="TokenDatasetInfo"/>, or holds impossible values; the message names the file.</exception>
    public static TokenDatasetInfo Read(string metaPath)
    {
        if (!File.Exists(metaPath))
            throw new InvalidDataException($"{metaPath}: token dataset metadata not found (build the dataset first)");
        TokenDatasetInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<TokenDatasetInfo>(File.ReadAllText(metaPath), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{metaPath}: corrupt token dataset metadata ({e.Message})", e);
        }
        if (info is null) throw new InvalidDataException($"{metaPath}: corrupt token dataset metadata (null)");
        string? problem = Check(info);
        if (problem is not null) throw new InvalidDataException($"{metaPath}: {problem}");
        return info;
    }

    /// <summary>Writes meta.json through a temporary file so a reader never sees half of it.</summary>
    public static void Write(string metaPath, TokenDatasetInfo info)
    {
        string temporary = metaPath + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(info, Json));
        File.Move(temporary, metaPath, overwrite: true);
    }

    /// <summary>
    /// The dataset in <paramref name="directory"/> when it was built from the same bytes with the same tokenizer and
    /// options and its .bin files are complete; otherwise null (including when meta.json is missing or corrupt:
    /// the caller rebuilds).
    /// </summary>
    public static TokenDatasetInfo? ReadIfUpToDate(string directory, TokenDatasetInfo wanted)
    {
        TokenDatasetInfo existing;
        try
        {
            existing = Read(Path.Combine(directory, TokenDatasetInfo.MetaFileName));
        }
        catch (InvalidDataException)
        {
            return null;
        }
        bool same = existing.FormatVersion == wanted.FormatVersion
            && existing.DType == wanted.DType
            && existing.VocabularySize == wanted.VocabularySize
            && existing.EndOfTextTokenId == wanted.EndOfTextTokenId
            && existing.TokenizerFingerprint == wanted.TokenizerFingerprint
            && existing.Options == wanted.Options
            && existing.Sources.Count == wanted.Sources.Count
            && existing.Sources.Zip(wanted.Sources).All(p => p.First.SizeBytes == p.Second.SizeBytes && p.First.Sha256 == p.Second.Sha256);
        if (!same) return null;
        return BinSizeProblem(directory, existing) is null ? existing : null;
    }

    /// <summary>Why a .bin file does not match the token counts in <paramref name="info"/>, or null.</summary>
    public static string? BinSizeProblem(string directory, TokenDatasetInfo info)
    {
        int width = TokenDatasetInfo.BytesPerToken(info.DType);
        foreach (var (name, tokens) in new[] { (TokenDatasetInfo.TrainFileName, info.TrainTokens), (TokenDatasetInfo.ValidationFileName, info.ValidationTokens) })
        {
            var file = new FileInfo(Path.Combine(directory, name));
            if (!file.Exists) return $"{file.FullName}: missing (meta.json lists {tokens} tokens)";
            if (file.Length != tokens * width)
                return $"{file.FullName}: {file.Length} bytes, but meta.json says {tokens} {info.DType} tokens = {tokens * width} bytes";
        }
        return null;
    }

    private static string? Check(TokenDatasetInfo info)
    {
        if (info.FormatVersion != TokenDatasetInfo.CurrentFormatVersion)
            return $"format version {info.FormatVersion}, expected {TokenDatasetInfo.CurrentFormatVersion}";
        if (info.VocabularySize <= 0) return $"vocabulary size {info.VocabularySize} is not positive";
        if (info.DType != TokenDatasetInfo.DTypeFor(info.VocabularySize) && info.DType != TokenDType.UInt32)
            return $"dtype {info.DType} cannot hold {info.VocabularySize} token ids";
        if (info.EndOfTextTokenId < 0 || info.EndOfTextTokenId >= info.VocabularySize)
            return $"end-of-text id {info.EndOfTextTokenId} is outside the vocabulary";
        if (info.TrainTokens < 0 || info.ValidationTokens < 0 || info.TrainCharacters < 0
            || info.ValidationCharacters < 0 || info.ValidationBytes < 0 || info.Documents < 0)
            return "negative count";
        if (info.Sources is null || info.Sources.Any(s => s is null)) return "sources missing";
        if (info.Options is null) return "options missing";
        return null;
    }
}
