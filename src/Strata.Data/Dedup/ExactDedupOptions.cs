namespace Strata.Data.Dedup;

/// <summary>How texts are normalised before exact hashing.</summary>
/// <param name="StripPunctuation">
/// Delete punctuation and symbols too (datatrove's simplified text), so copies differing only in quotes or dashes match.
/// </param>
public sealed record ExactDedupOptions(bool StripPunctuation = true);
