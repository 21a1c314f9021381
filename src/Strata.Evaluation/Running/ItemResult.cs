namespace Strata.Evaluation.Running;

/// <summary>
/// One item's outcome, saved so two models can be compared item by item.
/// </summary>
/// <param name="DocId">The row's index in its split.</param>
/// <param name="Prompt">What the model was given (the rendered chat turns as JSON for chat tasks).</param>
/// <param name="Loglikelihoods">Multiple choice: log p of each choice after the prompt.</param>
/// <param name="Prediction">Multiple choice: the choice with the highest log-likelihood.</param>
/// <param name="Generation">generate_until: the model's text, and <paramref name="Filtered"/> after the task's filters.</param>
/// <param name="Scores">Per-item metric values (1/0 for accuracies and exact match); for rolling tasks the
/// document's <c>loglikelihood</c>, <c>tokens</c>, <c>words</c> and <c>bytes</c>, which the corpus metrics sum.</param>
/// <param name="Contaminated">True when a training document shares an n-gram with this item.</param>
public sealed record ItemResult(
    int DocId,
    string Prompt,
    IReadOnlyList<string> Targets,
    IReadOnlyList<string> Choices,
    IReadOnlyList<double>? Loglikelihoods,
    int? Prediction,
    string? Generation,
    string? Filtered,
    IReadOnlyDictionary<string, double> Scores,
    bool Contaminated);
