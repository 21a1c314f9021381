using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strata.Data.Quality;

/// <summary>How well a quality model's predictions agree with held-out teacher ratings.</summary>
/// <param name="Items">Held-out ratings compared.</param>
/// <param name="Pearson">Correlation of predicted and rated scores.</param>
/// <param name="MeanAbsoluteError">In rating points.</param>
/// <param name="Accuracy">Agreement on keep (score ≥ threshold) vs drop.</param>
/// <param name="Precision">Of the documents the model keeps, the share the teacher keeps too.</param>
/// <param name="Recall">Of the documents the teacher keeps, the share the model keeps.</param>
public sealed record QualityAgreement(
    [property: JsonPropertyName("items")] int Items,
    [property: JsonPropertyName("pearson")] double Pearson,
    [property: JsonPropertyName("mean_absolute_error")] double MeanAbsoluteError,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("precision")] double Precision,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("f1")] double F1)
{
    public static QualityAgreement Compute(IReadOnlyList<double> predicted, IReadOnlyList<double> rated, double threshold)
    {
        int n = predicted.Count;
        if (n == 0 || rated.Count != n) throw new ArgumentException("agreement needs as many predictions as ratings, at least one");
        double meanP = predicted.Average(), meanR = rated.Average(), cov = 0, varP = 0, varR = 0;
        int tp = 0, fp = 0, fn = 0, agree = 0;
        for (int i = 0; i < n; i++)
        {
            cov += (predicted[i] - meanP) * (rated[i] - meanR);
            varP += (predicted[i] - meanP) * (predicted[i] - meanP);
            varR += (rated[i] - meanR) * (rated[i] - meanR);
            bool keep = predicted[i] >= threshold, teacherKeeps = rated[i] >= threshold;
            if (keep == teacherKeeps) agree++;
            if (keep && teacherKeeps) tp++;
            else if (keep) fp++;
            else if (teacherKeeps) fn++;
        }
        double precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp), recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        return new QualityAgreement(n, varP > 0 && varR > 0 ? cov / Math.Sqrt(varP * varR) : 0,
            predicted.Zip(rated, (p, r) => Math.Abs(p - r)).Average(), (double)agree / n,
            precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
    }
}

/// <summary>
/// A linear quality regressor over <see cref="QualityFeatures"/>: score = w·x + b, fitted by ridge regression to a
/// teacher's ratings (FineWeb-Edu's recipe, with hashed n-grams instead of an embedding model so that the data layer
/// runs it on any machine at millions of documents per hour). Stored as one JSON file.
/// </summary>
public sealed class QualityModel
{
    [JsonPropertyName("format")] public string Format { get; init; } = "strata-quality-model-v1";
    [JsonPropertyName("dimension")] public int Dimension { get; init; }
    [JsonPropertyName("l2")] public double L2 { get; init; }

    /// <summary>Documents predicted below it are dropped (or marked) by the <c>quality_classifier</c> stage.</summary>
    [JsonPropertyName("threshold")] public double Threshold { get; init; }
    [JsonPropertyName("bias")] public double Bias { get; init; }
    [JsonPropertyName("weights")] public float[] Weights { get; init; } = [];

    /// <summary>What it was trained on and how it did on held-out ratings (for reports).</summary>
    [JsonPropertyName("trained_on")] public int TrainedOn { get; init; }
    [JsonPropertyName("held_out")] public QualityAgreement? HeldOut { get; init; }
    [JsonPropertyName("rubric")] public string? Rubric { get; init; }

    public double Predict(string text)
    {
        var (indices, values) = QualityFeatures.Of(text, Dimension);
        double score = Bias;
        for (int i = 0; i < indices.Length; i++) score += Weights[indices[i]] * values[i];
        return score;
    }

    /// <summary>
    /// Ridge regression: minimises Σ(w·xᵢ + b − yᵢ)² + l2·‖w‖² (the bias unpenalised) by conjugate gradients on the
    /// normal equations, using only sparse products, so a few thousand rated documents fit in a second.
    /// </summary>
    public static QualityModel Fit(IReadOnlyList<string> texts, IReadOnlyList<double> scores, double threshold, int dimension = 1 << 18, double l2 = 1.0)
    {
        if (texts.Count == 0 || texts.Count != scores.Count) throw new ArgumentException("fitting needs one score per text, at least one");
        if (!(l2 > 0)) throw new ArgumentException($"l2 must be positive, not {l2}");
        var rows = texts.Select(t => QualityFeatures.Of(t, dimension)).ToArray();
        int size = dimension + 1; // the last coordinate is the bias
        var result = new double[size]; // reused by every product: the solver copies what it keeps
        double[] Normal(double[] v)
        {
            Array.Clear(result);
            foreach (var (indices, values) in rows)
            {
                double dot = v[dimension];
                for (int i = 0; i < indices.Length; i++) dot += values[i] * v[indices[i]];
                for (int i = 0; i < indices.Length; i++) result[indices[i]] += values[i] * dot;
                result[dimension] += dot;
            }
            for (int j = 0; j < dimension; j++) result[j] += l2 * v[j];
            return result;
        }
        var rhs = new double[size];
        for (int r = 0; r < rows.Length; r++)
        {
            var (indices, values) = rows[r];
            for (int i = 0; i < indices.Length; i++) rhs[indices[i]] += values[i] * scores[r];
            rhs[dimension] += scores[r];
        }
        var w = ConjugateGradient(Normal, rhs, maxIterations: 2000, tolerance: 1e-10);
        return new QualityModel
        {
            Dimension = dimension,
            L2 = l2,
            Threshold = threshold,
            Bias = w[dimension],
            Weights = w.Take(dimension).Select(x => (float)x).ToArray(),
            TrainedOn = texts.Count,
        };
    }

    private static double[] ConjugateGradient(Func<double[], double[]> multiply, double[] b, int maxIterations, double tolerance)
    {
        var x = new double[b.Length];
        var r = (double[])b.Clone();
        var p = (double[])r.Clone();
        double rr = Dot(r, r), stop = tolerance * tolerance * Math.Max(rr, 1e-300);
        for (int iteration = 0; iteration < maxIterations && rr > stop; iteration++)
        {
            var ap = multiply(p);
            double alpha = rr / Dot(p, ap);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] += alpha * p[i];
                r[i] -= alpha * ap[i];
            }
            double next = Dot(r, r);
            double beta = next / rr;
            for (int i = 0; i < p.Length; i++) p[i] = r[i] + beta * p[i];
            rr = next;
        }
        return x;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <exception cref="InvalidDataException">Not a Strata quality model; the message names the file.</exception>
    public static QualityModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: quality model not found (`strata data quality` writes one)", path);
        QualityModel? model;
        try
        {
            model = JsonSerializer.Deserialize<QualityModel>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        if (model is null || model.Format != "strata-quality-model-v1" || model.Dimension < 1 || model.Weights.Length != model.Dimension)
        {
            throw new InvalidDataException($"{path}: not a Strata quality model (format strata-quality-model-v1 with dimension weights)");
        }
        return model;
    }
}
