namespace Strata.Models.Generation;

/// <summary>A token and its log-probability under the model (before temperature and truncation).</summary>
public readonly record struct TokenLogprob(int TokenId, double Logprob);

/// <summary>
/// One sequence's decoding state, independent of how its logits are computed: samples the next token, tracks
/// EOS, max tokens, context length and stop sequences (held back until they can no longer match), never emits
/// half a UTF-8 character, and reports log-probabilities on request. The single-stream
/// <see cref="TextGenerator"/> and the server's batching engine both drive it one step at a time.
/// </summary>
public sealed class SequenceDecoder
{
    private readonly ITokenDecoder tokenizer;
    private readonly SamplingOptions options;
    private readonly Sampler sampler;
    private readonly HashSet<int> endOfSequence;
    private readonly List<int> context;
    private readonly List<int> generated = [];
    private readonly int topLogprobs;
    private readonly int longestStop;
    private readonly Constraints.IConstraintState? constraint;
    private int emitted;

    /// <param name="promptIds">The prompt (for the repetition penalty).</param>
    /// <param name="endOfSequenceIds">Tokens that end generation when <see cref="SamplingOptions.StopAtEndOfSequence"/>.</param>
    /// <param name="maxLength">The model's context length: generation ends when the sequence fills it.</param>
    /// <param name="topLogprobs">Null: no log-probabilities; 0: the chosen token's; k: also the k most likely.</param>
    public SequenceDecoder(ITokenDecoder tokenizer, IReadOnlyList<int> promptIds, SamplingOptions options,
        IEnumerable<int> endOfSequenceIds, int maxLength, int? topLogprobs = null)
    {
        options.Validate();
        this.tokenizer = tokenizer;
        this.options = options;
        sampler = new Sampler(options);
        endOfSequence = options.StopAtEndOfSequence ? endOfSequenceIds.ToHashSet() : [];
        context = new List<int>(promptIds);
        MaxLength = maxLength;
        this.topLogprobs = topLogprobs ?? -1;
        longestStop = options.StopSequences.Count == 0 ? 0 : options.StopSequences.Max(s => s.Length);
        constraint = options.Constraint?.Start(Constraints.TokenTrie.For(tokenizer));
    }

    public int MaxLength { get; }

    /// <summary>Tokens generated so far (excluding a final EOS).</summary>
    public IReadOnlyList<int> Generated => generated;

    /// <summary>Set once generation has ended.</summary>
    public FinishReason? FinishReason { get; private set; }

    /// <summary>
    /// Chooses the token that follows <paramref name="logits"/> (modified in place). When the returned chunk has
    /// no finish reason, its token must be fed to the model next and the resulting logits passed here again.
    /// </summary>
    /// <param name="sequenceLength">Tokens the model has consumed for this sequence (prompt + fed tokens).</param>
    public GenerationChunk Next(Span<float> logits, int sequenceLength)
    {
        if (FinishReason is not null) throw new InvalidOperationException("generation has already finished");
        var (logprob, top) = topLogprobs >= 0 ? Logprobs(logits, topLogprobs) : (default(double[]?), default(TokenLogprob[]?));
        if (constraint is not null && constraint.Mask(logits, endOfSequence) == 0)
        {
            // Complete, and no end-of-sequence token to say so (StopAtEndOfSequence off): the output ends here.
            if (!constraint.IsComplete) throw new InvalidOperationException("the constraint allows no token and its output is incomplete");
            return Finish(new GenerationChunk(Pending(), null, Generation.FinishReason.StopSequence));
        }
        int token = sampler.Sample(logits, context);
        double? chosen = logprob?[token];
        if (endOfSequence.Contains(token))
        {
            return Finish(new GenerationChunk(Pending(), token, Generation.FinishReason.EndOfSequence) { Logprob = chosen, TopLogprobs = top });
        }
        constraint?.Accept(token);
        generated.Add(token);
        context.Add(token);
        string text = tokenizer.Decode(generated, skipSpecialTokens: options.SkipSpecialTokens);
        int stopAt = FindStop(text, Math.Max(0, emitted - longestStop));
        GenerationChunk chunk;
        if (stopAt >= 0)
        {
            chunk = new GenerationChunk(text[emitted..Math.Max(emitted, stopAt)], token, Generation.FinishReason.StopSequence);
        }
        else if (generated.Count >= options.MaxTokens)
        {
            chunk = new GenerationChunk(text[emitted..], token, Generation.FinishReason.MaxTokens);
        }
        else if (sequenceLength + 1 > MaxLength)
        {
            chunk = new GenerationChunk(text[emitted..], token, Generation.FinishReason.ContextFull);
        }
        else
        {
            int safe = SafeLength(text);
            string delta = safe > emitted ? text[emitted..safe] : "";
            emitted = Math.Max(emitted, safe);
            return new GenerationChunk(delta, token, null) { Logprob = chosen, TopLogprobs = top };
        }
        return Finish(chunk with { Logprob = chosen, TopLogprobs = top });
    }

    private GenerationChunk Finish(GenerationChunk chunk)
    {
        FinishReason = chunk.FinishReason;
        emitted += chunk.Text.Length;
        return chunk;
    }

    private string Pending()
    {
        string text = tokenizer.Decode(generated, skipSpecialTokens: options.SkipSpecialTokens);
        return text.Length > emitted ? text[emitted..] : "";
    }

    /// <summary>Log-softmax of the raw logits and the <paramref name="k"/> most likely tokens (ties by id).</summary>
    public static (double[] Logprobs, TokenLogprob[] Top) Logprobs(ReadOnlySpan<float> logits, int k)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits) if (v > max) max = v;
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        double logSum = max + Math.Log(sum);
        var result = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) result[i] = logits[i] - logSum;
        var top = new List<TokenLogprob>(k + 1);
        for (int i = 0; i < result.Length && k > 0; i++)
        {
            if (top.Count == k && result[i] <= top[^1].Logprob) continue;
            int at = top.Count;
            while (at > 0 && top[at - 1].Logprob < result[i]) at--;
            top.Insert(at, new TokenLogprob(i, result[i]));
            if (top.Count > k) top.RemoveAt(k);
        }
        return (result, top.ToArray());
    }

    private int FindStop(string text, int from)
    {
        int best = -1;
        foreach (string stop in options.StopSequences)
        {
            int at = text.IndexOf(stop, from, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    /// <summary>
    /// How much of <paramref name="text"/> can be shown: not a trailing partial character (U+FFFD from
    /// incomplete UTF-8) and not a suffix that could still grow into a stop sequence.
    /// </summary>
    private int SafeLength(string text)
    {
        int safe = text.Length;
        while (safe > 0 && text[safe - 1] == '\uFFFD') safe--;
        foreach (string stop in options.StopSequences)
        {
            for (int k = Math.Min(stop.Length - 1, safe); k > 0; k--)
            {
                if (string.CompareOrdinal(text, safe - k, stop, 0, k) == 0)
                {
                    safe -= k;
                    break;
                }
            }
        }
        return safe;
    }
}
