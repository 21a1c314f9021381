using System.Text.Json.Nodes;
using Strata.Data.Pipeline;

namespace Strata.Data.Decontamination;

/// <summary>
/// Removes (or flags) training documents that share any word n-gram with an evaluation item, so benchmark scores are
/// not inflated by memorised test data.
/// </summary>
public sealed class DecontaminateStage : IDocumentStage
{
    /// <summary>Removal reason.</summary>
    public const string Reason = "eval_overlap";

    /// <summary>Meta key listing the overlapping eval ids in flag mode.</summary>
    public const string MetaKey = "contaminated_by";

    private readonly EvalNGramIndex _index;
    private readonly DecontaminationMode _mode;
    private readonly LeakReport? _report;

    /// <summary>Creates the stage; <paramref name="report"/>, when given, collects every overlap found.</summary>
    public DecontaminateStage(EvalNGramIndex index, DecontaminationOptions? options = null, LeakReport? report = null)
    {
        options ??= new DecontaminationOptions();
        if (options.N != index.N)
        {
            throw new ArgumentException($"the index was built with n = {index.N}, the options say {options.N}", nameof(options));
        }
        _index = index;
        _mode = options.Mode;
        _report = report;
    }

    /// <inheritdoc />
    public string Name => "decontaminate";

    /// <inheritdoc />
    public StageResult Apply(Document document)
    {
        var evalIds = _index.Find(document.Text);
        if (evalIds.Count == 0)
        {
            return StageResult.Keep(document);
        }
        _report?.Record(document.Id, evalIds);
        // The matched items go into the pipeline's report (per stage, per item), which survives a resumed run.
        if (_mode == DecontaminationMode.Remove)
        {
            return StageResult.Remove(Reason, evalIds);
        }
        document.Meta[MetaKey] = new JsonArray([.. evalIds.Select(id => (JsonNode?)JsonValue.Create(id))]);
        return StageResult.Keep(document, evalIds);
    }
}
