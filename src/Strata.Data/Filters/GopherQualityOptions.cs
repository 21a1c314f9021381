namespace Strata.Data.Filters;

/// <summary>
/// Gopher quality thresholds (Rae et al. 2021, table A1) with datatrove's <c>GopherQualityFilter</c> defaults. A null
/// threshold disables its rule.
/// </summary>
public sealed record GopherQualityOptions
{
    /// <summary>Fewest non-symbol words a document may have.</summary>
    public int? MinDocWords { get; init; } = 50;

    /// <summary>Most non-symbol words a document may have.</summary>
    public int? MaxDocWords { get; init; } = 100_000;

    /// <summary>Lowest mean non-symbol word length, in characters.</summary>
    public double? MinAvgWordLength { get; init; } = 3;

    /// <summary>Highest mean non-symbol word length, in characters.</summary>
    public double? MaxAvgWordLength { get; init; } = 10;

    /// <summary>Highest count of "#", and separately of "..." plus "…", per word.</summary>
    public double? MaxSymbolWordRatio { get; init; } = 0.1;

    /// <summary>Highest fraction of lines starting with "•" or "-".</summary>
    public double? MaxBulletLinesRatio { get; init; } = 0.9;

    /// <summary>Highest fraction of lines ending with "..." or "…".</summary>
    public double? MaxEllipsisLinesRatio { get; init; } = 0.3;

    /// <summary>Lowest fraction of words with at least one letter (datatrove calls it max_non_alpha_words_ratio).</summary>
    public double? MinAlphaWordsRatio { get; init; } = 0.8;

    /// <summary>Fewest distinct stop words the document must contain.</summary>
    public int? MinStopWords { get; init; } = 2;

    /// <summary>The stop words (matched case-sensitively against words, as datatrove does).</summary>
    public ISet<string> StopWords { get; init; } =
        new HashSet<string>(["the", "be", "to", "of", "and", "that", "have", "with"], StringComparer.Ordinal);
}
