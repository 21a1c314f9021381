using Strata.Data.Pipeline;

namespace Strata.Data.Filters;

/// <summary>
/// A rule set that only judges text written as prose: it names the first rule a document breaks, or none, and never
/// rewrites it. Code documents go around it (<see cref="IDocumentStage.ProseOnly"/>).
/// </summary>
public abstract class ProseRule : IDocumentStage
{
    public abstract string Name { get; }

    public bool ProseOnly => true;

    public StageResult Apply(Document document) =>
        Check(document.Text) is { } reason ? StageResult.Remove(reason) : StageResult.Keep(document);

    /// <summary>The reason to remove <paramref name="text"/>, or null to keep it.</summary>
    protected abstract string? Check(string text);
}
