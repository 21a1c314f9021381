namespace Strata.Data.Filters;

/// <summary>
/// Options of <see cref="BadWordsFilter"/>. No list ships with Strata: an organisation brings its own (C4 used the
/// LDNOOBW lists, one word or phrase per line), so what counts as unacceptable is its decision, not a default.
/// </summary>
public sealed record BadWordsOptions
{
    /// <summary>The list: one word or phrase per line; blank lines and lines starting with <c>#</c> are skipped.
    /// A relative path resolves against the configuration's folder.</summary>
    public string? WordsFile { get; init; }

    /// <summary>Share of matching documents kept anyway (datatrove's <c>keep_fraction</c>; C4 kept none).</summary>
    public double KeepFraction { get; init; }

    /// <summary>Seeds which matching documents <see cref="KeepFraction"/> keeps; the choice depends only on the
    /// document's id and this seed, so it does not change with the number of workers.</summary>
    public ulong Seed { get; init; }
}
