using System.Text.Json.Nodes;

namespace Strata.Evaluation.Tasks;

/// <summary>
/// One scored item, built from its row: what the model is given and what counts as right.
/// </summary>
/// <param name="Context">The prompt text: description, few-shot examples and this row's <c>doc_to_text</c>; for rolling
/// tasks empty.</param>
/// <param name="Messages">Chat turns (<c>doc_to_messages</c>) to render with the model's chat template instead of
/// <paramref name="Context"/>; null for plain-text prompts.</param>
/// <param name="Targets">The expected text(s): a generation counts when it matches any; for multiple choice the gold
/// choice; for rolling tasks the document itself.</param>
/// <param name="Choices">Multiple-choice candidates (without the target delimiter); empty otherwise.</param>
/// <param name="Gold">Index of the right choice; null for other task types.</param>
/// <param name="DecontaminationText">The text checked for n-gram overlap with training data.</param>
public sealed record TaskInstance(
    TaskRow Row,
    string Context,
    JsonArray? Messages,
    IReadOnlyList<string> Targets,
    IReadOnlyList<string> Choices,
    int? Gold,
    string DecontaminationText);
