namespace Strata.Data.Decontamination;

/// <summary>What <see cref="DecontaminateStage"/> does with a training document that overlaps an evaluation item.</summary>
public enum DecontaminationMode
{
    /// <summary>Drop the document (reason <c>eval_overlap</c>).</summary>
    Remove,

    /// <summary>Keep it and list the eval ids in meta <c>contaminated_by</c>.</summary>
    Flag,
}
