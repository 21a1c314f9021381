namespace Strata.Data.Filters;

/// <summary>FineWeb's own quality thresholds with datatrove's <c>FineWebQualityFilter</c> defaults.</summary>
public sealed record FineWebQualityOptions
{
    /// <summary>Lowest fraction of non-blank lines ending in terminal punctuation.</summary>
    public double LinePunctThreshold { get; init; } = 0.12;

    /// <summary>When true, a document with no punctuated line at all is not removed by the punctuation rule.</summary>
    public bool LinePunctExcludeZero { get; init; }

    /// <summary>Highest fraction of non-blank lines no longer than <see cref="ShortLineLength"/>.</summary>
    public double ShortLineThreshold { get; init; } = 0.67;

    /// <summary>A line of at most this many characters counts as short.</summary>
    public int ShortLineLength { get; init; } = 30;

    /// <summary>Highest share of characters (newlines excluded) in lines repeating an earlier line.</summary>
    public double CharDuplicatesRatio { get; init; } = 0.01;

    /// <summary>Highest count of newlines per word (lists, menus).</summary>
    public double NewLineRatio { get; init; } = 0.3;
}
