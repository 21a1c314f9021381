namespace Strata.Data.Filters;

/// <summary>
/// Thresholds of <see cref="CodeClassifier"/>. There is no reference implementation to follow; the values separate
/// this repository's C#, Python and JavaScript sources from English and German prose with wide margins (see tests).
/// </summary>
public sealed record CodeClassifierOptions
{
    /// <summary>Texts with fewer non-blank lines are judged by symbol density alone, which needs both signals higher.</summary>
    public int MinLines { get; init; } = 3;

    /// <summary>Lowest share of non-blank lines that look like code (syntax endings or a leading keyword).</summary>
    public double MinCodeLineRatio { get; init; } = 0.3;

    /// <summary>Lowest share of non-space characters that are code symbols ({}[]();=&lt;&gt;…).</summary>
    public double MinSymbolDensity { get; init; } = 0.04;

    /// <summary>Highest share of non-blank lines that read as prose sentences (long, ending in . ! ?).</summary>
    public double MaxSentenceLineRatio { get; init; } = 0.5;
}
