using Strata.Data.Pipeline;

namespace Strata.Data.Quality;

/// <summary>What the <c>quality_classifier</c> stage does with a document predicted below the threshold.</summary>
public enum QualityAction
{
    /// <summary>Remove it (reason <c>quality_below_threshold</c>).</summary>
    Drop,

    /// <summary>Keep every document and record its predicted score in <c>meta.quality_score</c>, for weighting downstream.</summary>
    Annotate,
}

/// <summary>Options of the <c>quality_classifier</c> stage.</summary>
public sealed record QualityClassifierOptions
{
    /// <summary>The model <c>strata data quality</c> wrote (relative paths resolve against the configuration's folder).</summary>
    public string? Model { get; init; }

    /// <summary>Overrides the model's own threshold (its teacher's rating scale).</summary>
    public double? Threshold { get; init; }

    public QualityAction Action { get; init; } = QualityAction.Drop;
}

/// <summary>
/// Keeps documents a teacher would rate well: a <see cref="QualityModel"/> learned from a teacher's ratings of a
/// sample (<c>strata data quality</c>) predicts every document's rating; below the threshold it is dropped or, with
/// <c>action: annotate</c>, kept with its score. Prose only: code is passed around it.
/// </summary>
public sealed class QualityClassifierStage(QualityModel model, QualityClassifierOptions options) : IDocumentStage
{
    public const string MetaKey = "quality_score", Reason = "quality_below_threshold";

    public string Name => "quality_classifier";

    public bool ProseOnly => true;

    public StageResult Apply(Document document)
    {
        double score = model.Predict(document.Text);
        if (options.Action == QualityAction.Annotate)
        {
            document.Meta[MetaKey] = Math.Round(score, 3);
            return StageResult.Keep(document);
        }
        return score >= (options.Threshold ?? model.Threshold) ? StageResult.Keep(document) : StageResult.Remove(Reason);
    }

    internal static QualityClassifierStage Create(QualityClassifierOptions options, StageContext context)
    {
        string path = options.Model ?? throw new ArgumentException("stage \"quality_classifier\": no model given (`strata data quality` writes one)");
        return new QualityClassifierStage(QualityModel.Load(Path.Combine(context.BaseDirectory, path)), options);
    }
}
