namespace Strata.Data.Decontamination;

/// <summary>One evaluation example whose text must not appear in training data.</summary>
/// <param name="Id">Identifier reported when the item leaks.</param>
/// <param name="Text">Every text field of the item, joined by newlines.</param>
public sealed record EvalItem(string Id, string Text);
