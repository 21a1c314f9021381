namespace Strata.Evaluation.Tasks;

/// <summary>The metrics Strata computes per output type, by lm-evaluation-harness's names.</summary>
public static class MetricNames
{
    public const string Acc = "acc";
    public const string AccNorm = "acc_norm";
    public const string AccBytes = "acc_bytes";
    public const string ExactMatch = "exact_match";
    public const string WordPerplexity = "word_perplexity";
    public const string BytePerplexity = "byte_perplexity";
    public const string BitsPerByte = "bits_per_byte";
    public const string Perplexity = "perplexity";

    /// <summary>Every metric the output type supports; the defaults when a task lists none.</summary>
    public static IReadOnlyList<string> For(OutputType type) => type switch
    {
        OutputType.MultipleChoice => [Acc, AccNorm, AccBytes],
        OutputType.GenerateUntil => [ExactMatch],
        OutputType.Loglikelihood => [Perplexity, Acc],
        OutputType.LoglikelihoodRolling => [WordPerplexity, BytePerplexity, BitsPerByte],
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Whether a larger value is better (perplexities and bits are not).</summary>
    public static bool HigherIsBetter(string metric) => metric is Acc or AccNorm or AccBytes or ExactMatch;
}
