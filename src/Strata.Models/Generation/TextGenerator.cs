using System.Runtime.CompilerServices;

namespace Strata.Models.Generation;

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary>The model produced an end-of-sequence token.</summary>
    EndOfSequence,

    /// <summary>A stop sequence appeared; it is not part of the text.</summary>
    StopSequence,

    /// <summary><see cref="SamplingOptions.MaxTokens"/> reached.</summary>
    MaxTokens,

    /// <summary>The model's context is full.</summary>
    ContextFull,
}

/// <summary>One step of a stream: new text (possibly empty while bytes of a character are pending).</summary>
/// <param name="Text">Text to append to what came before.</param>
/// <param name="TokenId">The token sampled at this step, or null for the closing chunk.</param>
/// <param name="FinishReason">Set on the last chunk only.</param>
public sealed record GenerationChunk(string Text, int? TokenId, FinishReason? FinishReason);

/// <summary>A finished generation.</summary>
public sealed record GenerationResult(string Text, IReadOnlyList<int> TokenIds, FinishReason FinishReason, int PromptTokens);

/// <summary>
/// The decoding loop: prefill the prompt in one forward pass, then sample and feed one token at a time
/// through any <see cref="ILanguageModel"/>. Handles EOS, max tokens, context length, stop sequences
/// (held back until they can no longer match) and incomplete UTF-8 (never emits half a character).
/// </summary>
public sealed class TextGenerator(ILanguageModel model, ITokenDecoder tokenizer)
{
    public async IAsyncEnumerable<GenerationChunk> StreamAsync(
        IReadOnlyList<int> promptIds,
        SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (promptIds.Count == 0) throw new ArgumentException("the prompt has no tokens; add a BOS token or some text", nameof(promptIds));
        var sampler = new Sampler(options);
        var context = new List<int>(promptIds);
        var generated = new List<int>();
        var eos = options.StopAtEndOfSequence ? model.EndOfSequenceTokenIds.ToHashSet() : [];
        int emitted = 0;
        using var session = model.OpenSession();
        if (promptIds.Count > session.MaxLength)
        {
            throw new ArgumentException($"prompt of {promptIds.Count} tokens exceeds the model's {session.MaxLength}-token context");
        }
        if (options.MaxTokens == 0)
        {
            yield return new GenerationChunk("", null, FinishReason.MaxTokens);
            yield break;
        }

        float[] logits = session.Append(promptIds);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int token = sampler.Sample(logits, context);
            if (eos.Contains(token))
            {
                yield return new GenerationChunk(Pending(final: true), token, FinishReason.EndOfSequence);
                yield break;
            }
            generated.Add(token);
            context.Add(token);
            string text = tokenizer.Decode(generated, skipSpecialTokens: true);
            int stopAt = FindStop(text, options.StopSequences, Math.Max(0, emitted - LongestStop(options)));
            if (stopAt >= 0)
            {
                yield return new GenerationChunk(text[emitted..Math.Max(emitted, stopAt)], token, FinishReason.StopSequence);
                yield break;
            }
            if (generated.Count >= options.MaxTokens)
            {
                yield return new GenerationChunk(text[emitted..], token, FinishReason.MaxTokens);
                yield break;
            }
            if (session.Length + 1 > session.MaxLength)
            {
                yield return new GenerationChunk(text[emitted..], token, FinishReason.ContextFull);
                yield break;
            }
            int safe = SafeLength(text, options.StopSequences);
            string delta = safe > emitted ? text[emitted..safe] : "";
            emitted = Math.Max(emitted, safe);
            yield return new GenerationChunk(delta, token, null);
            await Task.Yield();
            logits = session.Append([token]);
        }

        string Pending(bool final)
        {
            string text = tokenizer.Decode(generated, skipSpecialTokens: true);
            return final && text.Length > emitted ? text[emitted..] : "";
        }
    }

    /// <summary>Runs <see cref="StreamAsync"/> to the end.</summary>
    public async Task<GenerationResult> GenerateAsync(
        IReadOnlyList<int> promptIds, SamplingOptions options, CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        var tokens = new List<int>();
        FinishReason reason = FinishReason.MaxTokens;
        await foreach (var chunk in StreamAsync(promptIds, options, cancellationToken))
        {
            text.Append(chunk.Text);
            if (chunk.TokenId is int id && chunk.FinishReason != FinishReason.EndOfSequence) tokens.Add(id);
            if (chunk.FinishReason is FinishReason r) reason = r;
        }
        return new GenerationResult(text.ToString(), tokens, reason, promptIds.Count);
    }

    private static int LongestStop(SamplingOptions options) =>
        options.StopSequences.Count == 0 ? 0 : options.StopSequences.Max(s => s.Length);

    private static int FindStop(string text, IReadOnlyList<string> stops, int from)
    {
        int best = -1;
        foreach (string stop in stops)
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
    private static int SafeLength(string text, IReadOnlyList<string> stops)
    {
        int safe = text.Length;
        while (safe > 0 && text[safe - 1] == '\uFFFD') safe--;
        foreach (string stop in stops)
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
