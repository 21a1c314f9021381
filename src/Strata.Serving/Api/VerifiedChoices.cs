using Strata.Models.Generation;
using Strata.Models.Generation.Verification;

namespace Strata.Serving.Api;

/// <summary>
/// Server-side best-of and verified search for chat completions: <c>best_of</c> candidates are sampled (OpenAI's legacy
/// completions field, which vLLM also takes on chat), checked by <c>verify</c> (Strata's extension: <c>json</c>,
/// <c>regex:…</c>, <c>exact:…</c>, <c>number:…</c>) and the best <c>n</c> returned: verified first, then by mean token
/// log-probability, as <c>strata generate --samples --verify</c> ranks them.
/// </summary>
public static class VerifiedChoices
{
    /// <summary>How many candidates to sample and the check, from the request's fields.</summary>
    /// <exception cref="ApiException">400 naming <c>best_of</c> or <c>verify</c>.</exception>
    public static (int Candidates, AnswerVerifier? Verifier) Read(int n, int? bestOf, string? verify, bool stream)
    {
        int candidates = bestOf ?? n;
        if (candidates < n || candidates > GenerationSettings.MaxChoices)
        {
            throw ApiException.BadRequest($"best_of must be between n ({n}) and {GenerationSettings.MaxChoices}", "best_of");
        }
        AnswerVerifier? verifier = null;
        if (verify is not null)
        {
            // Running code and reading a file named by the request are for the operator's own tools, not for API clients.
            if (verify.StartsWith("python-tests", StringComparison.Ordinal))
            {
                throw ApiException.BadRequest("verify: python-tests runs code and reads a file on the server, so the API does not offer it; use json, regex:, exact: or number:", "verify");
            }
            try
            {
                verifier = AnswerVerifier.Parse(verify);
            }
            catch (ArgumentException e)
            {
                throw ApiException.BadRequest(e.Message, "verify");
            }
        }
        if (stream && (candidates > n || verifier is not null))
        {
            throw ApiException.BadRequest("best_of and verify pick among finished answers, so they cannot be streamed", candidates > n ? "best_of" : "verify");
        }
        return (candidates, verifier);
    }

    /// <summary>The best <paramref name="n"/> of the candidates, re-indexed from 0.</summary>
    public static ChoiceResult[] Pick(IReadOnlyList<ChoiceResult> candidates, int n, AnswerVerifier? verifier) =>
        BestOfN.Rank(candidates.Select(c => (Choice: c, Verified: verifier?.Accepts(c.Text) ?? false, Mean: MeanLogprob(c))), c => c.Verified, c => c.Mean)
            .Take(n)
            .Select((c, i) => c.Choice with { Index = i })
            .ToArray();

    private static double MeanLogprob(ChoiceResult choice) =>
        BestOfN.MeanLogprob(choice.Chunks.Where(c => c.Logprob is not null && c.FinishReason != FinishReason.EndOfSequence).Select(c => c.Logprob!.Value));
}
