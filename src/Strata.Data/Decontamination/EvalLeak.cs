namespace Strata.Data.Decontamination;

/// <summary>One evaluation item found in training data.</summary>
/// <param name="EvalId">The item's id.</param>
/// <param name="Documents">How many training documents contained one of its n-grams.</param>
/// <param name="ExampleDocuments">Up to <see cref="LeakReport.ExamplesPerItem"/> of those documents' ids.</param>
public sealed record EvalLeak(string EvalId, int Documents, IReadOnlyList<string> ExampleDocuments);
