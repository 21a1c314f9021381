namespace Strata.Data.Pipeline;

/// <summary>
/// A per-document step of the pipeline (extract, normalise, each filter, decontaminate): it sees one document at a
/// time and keeps no state between documents, so any shard can run anywhere, in any order, on any number of workers.
/// Implementations must be thread-safe: one instance serves every worker.
/// </summary>
public interface IDocumentStage
{
    /// <summary>Short stable name, used in reports and configuration (e.g. <c>gopher_quality</c>).</summary>
    string Name { get; }

    /// <summary>
    /// True for rules written for natural-language prose (word counts, stop words, punctuation): the pipeline passes
    /// documents classified as code (<see cref="Document.IsCode"/>) around them instead of letting them delete code.
    /// </summary>
    bool ProseOnly => false;

    /// <summary>Keeps the document (possibly rewritten) or removes it with a reason.</summary>
    StageResult Apply(Document document);
}

/// <summary>What a stage decided about one document.</summary>
/// <param name="Document">The document to pass on (possibly rewritten), or null when removed.</param>
/// <param name="Reason">Why it was removed: a short stable rule name such as <c>too_few_words</c>; null when kept.</param>
/// <param name="Matches">What the document matched, kept or removed (e.g. the evaluation items it overlaps); the
/// pipeline counts them per stage in its report.</param>
public readonly record struct StageResult(Document? Document, string? Reason, IReadOnlyList<string>? Matches = null)
{
    public bool Kept => Document is not null;

    public static StageResult Keep(Document document, IReadOnlyList<string>? matches = null) => new(document, null, matches);

    public static StageResult Remove(string reason, IReadOnlyList<string>? matches = null) => new(null, reason, matches);
}
