namespace Strata.Models.Generation.Verification;

/// <summary>One sampled answer of a verified search.</summary>
/// <param name="Verified">Whether the verifier accepted it (false when there is no verifier).</param>
/// <param name="MeanLogprob">Mean log-probability of its tokens under the model (the tie-breaker).</param>
public sealed record Candidate(string Text, bool Verified, double MeanLogprob, int Seed, FinishReason FinishReason);

/// <summary>
/// Verified search (best-of-N for checkable tasks): sample up to n answers with seeds seed, seed+1, …, check each with a
/// program, and rank verified answers first, then by mean token log-probability. Without a verifier it is plain
/// best-of-N by log-probability. Trying again instead of trusting the first answer.
/// </summary>
public static class BestOfN
{
    /// <param name="stopAtFirstVerified">Stop sampling once an answer verifies (the answer is then the first verified one).</param>
    /// <returns>The candidates sampled, best first.</returns>
    public static async Task<IReadOnlyList<Candidate>> SearchAsync(TextGenerator generator, IReadOnlyList<int> promptIds, SamplingOptions options,
        int n, AnswerVerifier? verifier, bool stopAtFirstVerified = false, CancellationToken cancellationToken = default)
    {
        if (n < 1) throw new ArgumentException($"n (--samples) must be at least 1, not {n}", nameof(n));
        int seed = options.Seed ?? Random.Shared.Next();
        var candidates = new List<Candidate>();
        for (int i = 0; i < n; i++)
        {
            var result = await generator.GenerateAsync(promptIds, options with { Seed = seed + i }, cancellationToken, withLogprobs: true);
            bool verified = verifier?.Accepts(result.Text) ?? false;
            candidates.Add(new Candidate(result.Text, verified, MeanLogprob(result.Logprobs ?? []), seed + i, result.FinishReason));
            if (verified && stopAtFirstVerified) break;
        }
        return Rank(candidates, c => c.Verified, c => c.MeanLogprob).ToList();
    }

    /// <summary>The ranking of every verified search (CLI, server, benchmark): verified first, then by mean log-probability; stable.</summary>
    public static IOrderedEnumerable<T> Rank<T>(IEnumerable<T> candidates, Func<T, bool> verified, Func<T, double> meanLogprob) =>
        candidates.OrderByDescending(verified).ThenByDescending(meanLogprob);

    /// <summary>Mean log-probability of an answer's tokens; −∞ for an empty answer.</summary>
    public static double MeanLogprob(IEnumerable<double> logprobs) => logprobs.DefaultIfEmpty(double.NegativeInfinity).Average();
}
