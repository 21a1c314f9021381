namespace Strata.Data.Filters;

/// <summary>Which languages <see cref="LanguageFilter"/> keeps; defaults follow FineWeb (English, score above 0.65).</summary>
public sealed record LanguageFilterOptions
{
    /// <summary>ISO 639-1 codes to keep; null keeps any language whose score passes.</summary>
    public ISet<string>? Languages { get; init; } = new HashSet<string>(["en"], StringComparer.Ordinal);

    /// <summary>A document is kept when a wanted language scores strictly above this (datatrove's comparison).</summary>
    public double MinScore { get; init; } = 0.65;

    /// <summary>Only label the document (Meta <c>language</c>, <c>language_score</c>); never remove.</summary>
    public bool LabelOnly { get; init; }

    /// <summary>
    /// Softmax temperature for the confidence, in mean trigram-distance units. 2 puts one-sentence texts in 31 languages
    /// at 0.98 or more and noisy tokenised English web text (corpus.en, 20-line chunks) at 0.88 or more; larger values
    /// spread the score over related languages and fall below FineWeb's 0.65 on that English.
    /// </summary>
    public double Temperature { get; init; } = 2;
}
