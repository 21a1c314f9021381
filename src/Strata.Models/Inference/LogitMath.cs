namespace Strata.Models.Inference;

/// <summary>Log-probabilities from a row of logits, summed in double so long vocabularies lose no precision.</summary>
public static class LogitMath
{
    /// <summary>log softmax(<paramref name="logits"/>)[<paramref name="target"/>].</summary>
    public static double LogProbability(ReadOnlySpan<float> logits, int target)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        return logits[target] - max - Math.Log(sum);
    }

    /// <summary>Index of the largest logit; the first wins ties (greedy decoding's choice).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }
}
