namespace Strata.Models.Encoders;

/// <summary>A label and how sure the classifier is of it, in [0, 1] (a text's confidences sum to 1).</summary>
public sealed record LabelScore(string Label, double Confidence);

/// <summary>
/// Classification from labelled examples with an embedding model (Cohere's classify with <c>examples</c>): each label is
/// the mean of its examples' unit vectors, an input's cosine similarity to each label's mean is scaled by
/// 1 / <see cref="Temperature"/> and put through a softmax. 0.05 is the temperature contrastive embedding models
/// (e5, bge) are trained with, so their similarity gaps map to confident but not saturated probabilities.
/// </summary>
public sealed class FewShotClassifier
{
    public const double Temperature = 0.05;

    private readonly string[] labels;
    private readonly double[][] centroids;

    /// <param name="examples">(vector, label) pairs; at least two labels.</param>
    public FewShotClassifier(IReadOnlyList<(float[] Vector, string Label)> examples)
    {
        var groups = examples.GroupBy(e => e.Label, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (groups.Count < 2) throw new ArgumentException("classification needs examples of at least two labels", nameof(examples));
        labels = groups.Select(g => g.Key).ToArray();
        centroids = groups.Select(g => Unit(Mean(g.Select(e => Unit(e.Vector.Select(v => (double)v).ToArray())).ToList()))).ToArray();
    }

    public IReadOnlyList<string> Labels => labels;

    /// <summary>Every label's confidence for <paramref name="vector"/>, best first.</summary>
    public IReadOnlyList<LabelScore> Classify(float[] vector)
    {
        var unit = Unit(vector.Select(v => (double)v).ToArray());
        var logits = centroids.Select(c => Dot(c, unit) / Temperature).ToArray();
        var probabilities = Softmax(logits);
        return labels.Select((l, i) => new LabelScore(l, probabilities[i])).OrderByDescending(s => s.Confidence).ThenBy(s => s.Label, StringComparer.Ordinal).ToList();
    }

    /// <summary>A numerically stable softmax (the maximum subtracted first).</summary>
    public static double[] Softmax(IReadOnlyList<double> logits)
    {
        double max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        double sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }

    private static double[] Mean(IReadOnlyList<double[]> vectors)
    {
        var mean = new double[vectors[0].Length];
        foreach (var v in vectors) for (int i = 0; i < mean.Length; i++) mean[i] += v[i] / vectors.Count;
        return mean;
    }

    private static double[] Unit(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => x * x));
        return norm == 0 ? v : v.Select(x => x / norm).ToArray();
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
