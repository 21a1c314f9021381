namespace Strata.Models.Inference;

/// <summary>Perplexity of a text under a model, measured as llama.cpp's <c>llama-perplexity</c> measures it.</summary>
/// <param name="Value">exp(−mean log-probability) over the scored tokens.</param>
/// <param name="ScoredTokens">Tokens whose log-probability counted.</param>
/// <param name="Chunks">Windows of the context length the text was cut into.</param>
public sealed record PerplexityResult(double Value, int ScoredTokens, int Chunks);

/// <summary>
/// The text's tokens cut into non-overlapping windows of <c>context</c> tokens, each evaluated from an empty cache (with
/// BOS in place of the first token when the model adds one) and scored on the tokens after its middle, so every scored
/// token sees at least half a window of context. That is llama-perplexity's method, so a Strata figure and a llama.cpp figure on the same file,
/// text and context are comparable.
/// </summary>
public static class Perplexity
{
    /// <exception cref="ArgumentException">Fewer tokens than one window.</exception>
    public static PerplexityResult Compute(IInferenceBackend backend, IReadOnlyList<int> tokens, int context, int? bos,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(context, 2);
        int chunks = tokens.Count / context;
        if (chunks == 0) throw new ArgumentException($"the text has {tokens.Count} tokens; at least one window of {context} is needed", nameof(tokens));
        double logProbability = 0;
        int scored = 0;
        for (int c = 0; c < chunks; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var window = new int[context];
            for (int i = 0; i < context; i++) window[i] = tokens[c * context + i];
            if (bos is int b) window[0] = b;   // as llama-perplexity: BOS replaces the window's first token
            double[] logProbs = backend.TokenLogProbs(window);          // log p(window[t] | window[<t]), t = 1 …
            // llama-perplexity scores the tokens after position context/2: logits at context/2 … context−2.
            for (int t = context / 2 + 1; t < context; t++)
            {
                logProbability += logProbs[t - 1];
                scored++;
            }
            progress?.Report((c + 1, chunks));
        }
        return new PerplexityResult(Math.Exp(-logProbability / scored), scored, chunks);
    }
}
