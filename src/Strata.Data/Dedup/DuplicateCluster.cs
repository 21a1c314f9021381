namespace Strata.Data.Dedup;

/// <summary>One group of duplicate documents: the first in corpus order is kept, the rest removed.</summary>
/// <param name="Keep">The smallest document key of the group.</param>
/// <param name="Removed">The other keys, ascending.</param>
public sealed record DuplicateCluster(long Keep, IReadOnlyList<long> Removed);
