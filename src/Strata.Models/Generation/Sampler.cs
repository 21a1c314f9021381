namespace Strata.Models.Generation;

/// <summary>
/// Picks the next token from a logits vector. Order: repetition penalty → temperature → top-k →
/// top-p → min-p → draw (HF's order for the first three; min-p last, as llama.cpp's default chain ends).
/// Works on plain arrays so any forward backend can feed it.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingOptions options;
    private readonly Random random;

    public Sampler(SamplingOptions options)
    {
        options.Validate();
        this.options = options;
        random = new Random(options.Seed ?? Random.Shared.Next());
    }

    /// <param name="logits">Unnormalised scores, one per vocabulary entry; modified in place.</param>
    /// <param name="context">Tokens seen so far (prompt and generated), for the repetition penalty.</param>
    public int Sample(Span<float> logits, IReadOnlyCollection<int> context)
    {
        ApplyRepetitionPenalty(logits, context, options.RepetitionPenalty);
        if (options.Temperature == 0) return ArgMax(logits);
        if (options.TopK == 0 && options.TopP >= 1 && options.MinP == 0) return DrawFromAll(logits);

        var candidates = new List<(int Id, double Logit)>(logits.Length);
        for (int i = 0; i < logits.Length; i++)
        {
            if (!float.IsNegativeInfinity(logits[i]) && !float.IsNaN(logits[i])) candidates.Add((i, logits[i] / options.Temperature));
        }
        if (candidates.Count == 0) throw new InvalidOperationException("every token has probability zero");
        candidates.Sort((a, b) => b.Logit != a.Logit ? b.Logit.CompareTo(a.Logit) : a.Id.CompareTo(b.Id));
        if (options.TopK > 0 && candidates.Count > options.TopK) candidates.RemoveRange(options.TopK, candidates.Count - options.TopK);

        double[] probabilities = Softmax(candidates);
        int keep = candidates.Count;
        if (options.TopP < 1)
        {
            double cumulative = 0;
            for (int i = 0; i < probabilities.Length; i++)
            {
                cumulative += probabilities[i];
                if (cumulative >= options.TopP)
                {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (options.MinP > 0)
        {
            double threshold = options.MinP * probabilities[0];
            int aboveThreshold = probabilities.TakeWhile(p => p >= threshold).Count();
            keep = Math.Min(keep, Math.Max(1, aboveThreshold));
        }

        double total = 0;
        for (int i = 0; i < keep; i++) total += probabilities[i];
        double draw = random.NextDouble() * total;
        for (int i = 0; i < keep; i++)
        {
            draw -= probabilities[i];
            if (draw < 0) return candidates[i].Id;
        }
        return candidates[keep - 1].Id;
    }

    /// <summary>
    /// Plain temperature sampling needs no ordering: one pass for the maximum, one for the normaliser, one to draw.
    /// Sorting a 50k–150k vocabulary for every token would cost more than the draw itself.
    /// </summary>
    private int DrawFromAll(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits) if (!float.IsNaN(v) && v > max) max = v;
        if (double.IsNegativeInfinity(max)) throw new InvalidOperationException("every token has probability zero");
        double inverseTemperature = 1 / options.Temperature, total = 0;
        foreach (float v in logits) if (!float.IsNaN(v)) total += Math.Exp((v - max) * inverseTemperature);
        double draw = random.NextDouble() * total;
        int last = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            if (float.IsNaN(logits[i]) || float.IsNegativeInfinity(logits[i])) continue;
            last = i;
            draw -= Math.Exp((logits[i] - max) * inverseTemperature);
            if (draw < 0) return i;
        }
        return last;
    }

    /// <summary>HF's penalty: positive logits of seen tokens are divided by it, negative ones multiplied.</summary>
    public static void ApplyRepetitionPenalty(Span<float> logits, IReadOnlyCollection<int> context, double penalty)
    {
        if (penalty == 1.0) return;
        foreach (int id in context.Distinct())
        {
            if ((uint)id >= (uint)logits.Length) continue;
            logits[id] = logits[id] > 0 ? (float)(logits[id] / penalty) : (float)(logits[id] * penalty);
        }
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    private static double[] Softmax(List<(int Id, double Logit)> sortedCandidates)
    {
        double max = sortedCandidates[0].Logit;
        var result = new double[sortedCandidates.Count];
        double sum = 0;
        for (int i = 0; i < result.Length; i++) sum += result[i] = Math.Exp(sortedCandidates[i].Logit - max);
        for (int i = 0; i < result.Length; i++) result[i] /= sum;
        return result;
    }
}
