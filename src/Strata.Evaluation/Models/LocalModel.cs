using Strata.Models.Generation;
using Strata.Models.Inference;
using Strata.Models.Loading;

namespace Strata.Evaluation.Models;

/// <summary>
/// A model Strata loads itself (a checkpoint folder or a GGUF file) on any backend. Text is read as the model reads it:
/// BOS first when its tokenizer config says so (lm-evaluation-harness's <c>add_bos_token=True</c>; llama.cpp does the
/// same), so a score here and the model's behaviour in <c>strata serve</c> agree.
/// </summary>
public sealed class LocalModel : IScoringModel
{
    private readonly IInferenceBackend backend;
    private readonly TextGenerator generator;

    public LocalModel(ModelPackage package, IInferenceBackend backend, string? name = null)
    {
        Package = package;
        this.backend = backend;
        Name = name ?? package.DefaultName;
        generator = new TextGenerator(package.LanguageModel(backend), package.Tokenizer);
    }

    /// <summary>Opens <paramref name="path"/> and loads its weights with <paramref name="options"/>.</summary>
    public static LocalModel Open(string path, InferenceOptions options, string? name = null)
    {
        var package = ModelPackage.Open(path);
        return new LocalModel(package, package.LoadBackend(options), name);
    }

    public string Name { get; }

    public ModelPackage Package { get; }

    /// <summary>The token that stands before text with no context: BOS, else end-of-text (the harness's prefix token).</summary>
    private int PrefixToken => Package.BosTokenId ?? Package.EndOfSequenceIds.FirstOrDefault();

    /// <remarks>
    /// The context is run once and its cache reused for every continuation (truncated back to the context before each),
    /// so a four-choice item costs one prefill plus a decode step per continuation token, not four prefills. A pair too
    /// long for the context loses the context's oldest tokens and is run on its own.
    /// </remarks>
    public IReadOnlyList<ContinuationScore> Loglikelihoods(EvalPrompt context, IReadOnlyList<string> continuations)
    {
        var pairs = continuations.Select(c => EncodePair(context, c)).ToList();
        var results = new ContinuationScore[pairs.Count];
        if (pairs.Count == 0) return results;
        using var pool = backend.NewCachePool(1);
        using var cache = pool.Rent();
        var contextIds = pairs[0].Context;   // the same for every continuation: it depends on the context alone
        bool shared = contextIds.Count + pairs.Max(p => p.Continuation.Count) - 1 <= Package.ContextLength;
        var afterContext = shared ? Prefill(cache, contextIds) : [];
        var scratch = new float[backend.VocabularySize];   // logits of every later step, reused: a row is a vocabulary wide
        for (int i = 0; i < pairs.Count; i++)
        {
            var (head, tail) = pairs[i];
            if (tail.Count == 0) continue;
            if (shared) cache.Truncate(contextIds.Count);
            else
            {
                // The harness's left truncation: keep the last context + 1 tokens of head + tail, of which the last is only predicted.
                int cut = Math.Min(head.Count - 1, Math.Max(0, head.Count + tail.Count - (Package.ContextLength + 1)));
                if (head.Count - cut + tail.Count - 1 > Package.ContextLength)
                {
                    throw new ArgumentException($"a continuation of {tail.Count} tokens does not fit the model's {Package.ContextLength}-token context");
                }
                cache.Truncate(0);
                afterContext = Prefill(cache, head.Skip(cut).ToList());
            }
            results[i] = Continue(cache, afterContext, scratch, tail);
        }
        return results;
    }

    private float[] Prefill(ISequenceCache cache, IReadOnlyList<int> tokens)
    {
        var logits = new float[backend.VocabularySize];
        backend.Step([new SequenceStep(tokens, cache)], logits);
        return logits;
    }

    /// <summary>Scores <paramref name="tail"/> after a cache whose next-token logits are <paramref name="first"/>
    /// (kept intact for the next continuation); later steps' logits go to <paramref name="scratch"/>.</summary>
    private ContinuationScore Continue(ISequenceCache cache, float[] first, float[] scratch, IReadOnlyList<int> tail)
    {
        var logits = first;
        double sum = 0;
        bool greedy = true;
        for (int t = 0; t < tail.Count; t++)
        {
            if (t > 0)
            {
                logits = scratch;
                backend.Step([new SequenceStep([tail[t - 1]], cache)], logits);
            }
            sum += LogitMath.LogProbability(logits, tail[t]);
            greedy &= LogitMath.ArgMax(logits) == tail[t];
        }
        return new ContinuationScore(sum, greedy);
    }

    public RollingScore LoglikelihoodRolling(string text)
    {
        var tokens = Package.Tokenizer.Encode(text, addBos: false, parseSpecialTokens: false);
        double total = 0;
        int windows = 0;
        foreach (var (context, predicted) in RollingWindows.Split(tokens, PrefixToken, Package.ContextLength))
        {
            total += ScoreTail(context, predicted);
            windows++;
        }
        return new RollingScore(total, tokens.Count, windows);
    }

    public async Task<string> GenerateAsync(EvalPrompt prompt, IReadOnlyList<string> until, int maxTokens, CancellationToken cancellationToken)
    {
        var ids = prompt.Messages is null ? Package.EncodeText(prompt.Text) : Package.Prompts.Encode(prompt.Messages);
        int context = Package.ContextLength;
        int budget = Math.Min(maxTokens, Math.Max(1, context - 1));
        if (ids.Count + budget > context)
        {
            // The answer gives way first, down to a quarter of the context; then, as in the harness, the prompt loses
            // its oldest tokens.
            budget = Math.Max(Math.Min(budget, Math.Max(1, context / 4)), context - ids.Count);
            if (ids.Count + budget > context) ids = ids.Skip(ids.Count + budget - context).ToList();
        }
        var options = SamplingOptions.Greedy with { MaxTokens = budget, StopSequences = until };
        var result = await generator.GenerateAsync(ids, options, cancellationToken).ConfigureAwait(false);
        return result.Text;
    }

    /// <summary>
    /// The harness's <c>_encode_pair</c>: trailing spaces join the continuation, the pair is encoded whole. Chat turns
    /// end in the template's generation prompt, which no continuation merges with, so there the two are encoded apart.
    /// </summary>
    private (IReadOnlyList<int> Context, IReadOnlyList<int> Continuation) EncodePair(EvalPrompt prompt, string continuation)
    {
        if (prompt.Messages is not null)
        {
            return (Package.Prompts.Encode(prompt.Messages), Package.Tokenizer.Encode(continuation, addBos: false, parseSpecialTokens: false));
        }
        string context = prompt.Text;
        if (context.Length == 0)
        {
            return ([PrefixToken], Package.Tokenizer.Encode(continuation, addBos: false, parseSpecialTokens: false));
        }
        int spaces = context.Length - context.TrimEnd().Length;
        if (spaces > 0)
        {
            continuation = context[^spaces..] + continuation;
            context = context[..^spaces];
        }
        var contextIds = Package.EncodeText(context);
        var whole = Package.EncodeText(context + continuation);
        return (contextIds, whole.Skip(contextIds.Count).ToList());
    }

    /// <summary>Sum of log p of <paramref name="tail"/> after <paramref name="head"/>, the head cut from the left to fit the context.</summary>
    private double ScoreTail(IReadOnlyList<int> head, IReadOnlyList<int> tail)
    {
        if (tail.Count == 0) return 0;
        var ids = head.Concat(tail).ToList();
        int fits = Package.ContextLength + 1;   // the last token is only predicted, never fed
        if (ids.Count > fits) ids = ids.Skip(ids.Count - fits).ToList();
        double[] logProbs = backend.TokenLogProbs(ids);
        double sum = 0;
        for (int i = logProbs.Length - tail.Count; i < logProbs.Length; i++) sum += logProbs[i];
        return sum;
    }

    public void Dispose() => backend.Dispose();
}
