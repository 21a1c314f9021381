namespace Strata.Data.Filters;

/// <summary>
/// Gopher repetition thresholds (Rae et al. 2021, table A1) with datatrove's <c>GopherRepetitionFilter</c> defaults.
/// A null or zero threshold disables its rule.
/// </summary>
public sealed record GopherRepetitionOptions
{
    /// <summary>Highest fraction of lines that repeat an earlier line.</summary>
    public double? DupLineFrac { get; init; } = 0.3;

    /// <summary>Highest fraction of paragraphs that repeat an earlier paragraph.</summary>
    public double? DupParaFrac { get; init; } = 0.3;

    /// <summary>Highest share of the text's characters in repeated lines.</summary>
    public double? DupLineCharFrac { get; init; } = 0.2;

    /// <summary>Highest share of the text's characters in repeated paragraphs.</summary>
    public double? DupParaCharFrac { get; init; } = 0.2;

    /// <summary>For each n, the highest share of characters the most frequent n-gram may cover.</summary>
    public IReadOnlyList<(int N, double MaxFraction)> TopNGrams { get; init; } = [(2, 0.2), (3, 0.18), (4, 0.16)];

    /// <summary>For each n, the highest share of characters in repeated n-grams.</summary>
    public IReadOnlyList<(int N, double MaxFraction)> DupNGrams { get; init; } =
        [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)];
}
