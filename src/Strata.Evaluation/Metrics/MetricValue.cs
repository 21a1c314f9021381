namespace Strata.Evaluation.Metrics;

/// <summary>A metric over a set of items with its standard error.</summary>
/// <param name="Stderr">Standard error of <paramref name="Value"/>: of the mean for accuracies, by bootstrap for perplexities
/// and bits per byte; NaN with fewer than two items.</param>
public readonly record struct MetricValue(double Value, double Stderr, int Items);
