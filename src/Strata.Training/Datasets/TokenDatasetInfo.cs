using System.Text.Json.Serialization;

namespace Strata.Training.Datasets;

/// <summary>Element type of train.bin / val.bin: raw little-endian unsigned integers.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TokenDType>))]
public enum TokenDType
{
    /// <summary>2 bytes per token; used when the vocabulary has at most 65536 ids.</summary>
    [JsonStringEnumMemberName("uint16")]
    UInt16,

    /// <summary>4 bytes per token; used for larger vocabularies.</summary>
    [JsonStringEnumMemberName("uint32")]
    UInt32,
}

/// <summary>One input file as it was when the dataset was built.</summary>
/// <param name="Path">Full path at build time (informational; reuse compares size and hash only).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes.</param>
public sealed record SourceFileInfo(string Path, long SizeBytes, string Sha256);

/// <summary>
/// The contents of meta.json: what train.bin and val.bin hold and what they were built from.
/// Character counts are Unicode code points (Python's <c>len(str)</c>); byte counts are UTF-8.
/// Bits per character = mean validation loss (nats/token) · ValidationTokens / ValidationCharacters / ln 2.
/// </summary>
public sealed record TokenDatasetInfo(
    int FormatVersion,
    [property: JsonPropertyName("dtype")] TokenDType DType,
    int VocabularySize,
    int EndOfTextTokenId,
    long Documents,
    long TrainTokens,
    long ValidationTokens,
    long TrainCharacters,
    long ValidationCharacters,
    long ValidationBytes,
    IReadOnlyList<SourceFileInfo> Sources,
    string TokenizerFingerprint,
    PretrainDataOptions Options)
{
    /// <summary>Bumped whenever the meaning of the files changes; older datasets are rebuilt.</summary>
    public const int CurrentFormatVersion = 1;

    public const string TrainFileName = "train.bin";
    public const string ValidationFileName = "val.bin";
    public const string MetaFileName = "meta.json";

    /// <summary>Bytes per token for <paramref name="dtype"/>.</summary>
    public static int BytesPerToken(TokenDType dtype) => dtype switch
    {
        TokenDType.UInt16 => 2,
        TokenDType.UInt32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The smallest element type that holds every id below <paramref name="vocabularySize"/>.</summary>
    public static TokenDType DTypeFor(int vocabularySize) => vocabularySize <= 65536 ? TokenDType.UInt16 : TokenDType.UInt32;
}
