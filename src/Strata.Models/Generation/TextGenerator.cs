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
public sealed record GenerationChunk(string Text, int? TokenId, FinishReason? FinishReason)
{
    /// <summary>Log-probability of <see cref="TokenId"/>, when requested.</summary>
    public double? Logprob { get; init; }

    /// <summary>The most likely alternatives at this step, when requested.</summary>
    public IReadOnlyList<TokenLogprob>? TopLogprobs { get; init; }
}

/// <summary>A finished generation.</summary>
public sealed record GenerationResult(string Text, IReadOnlyList<int> TokenIds, FinishReason FinishReason, int PromptTokens)
{
    /// <summary>Each generated token's log-probability, when asked for.</summary>
    public IReadOnlyList<double>? Logprobs { get; init; }
}

/// <summary>
/// The single-stream decoding loop: prefill the prompt in one forward pass, then sample and feed one token at
/// a time through any <see cref="ILanguageModel"/>. Stopping rules live in <see cref="SequenceDecoder"/>.
/// </summary>
public sealed class TextGenerator(ILanguageModel model, ITokenDecoder tokenizer)
{
    public async IAsyncEnumerable<GenerationChunk> StreamAsync(
        IReadOnlyList<int> promptIds,
        SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default,
        int? topLogprobs = null)
    {
        options.Validate();
        if (promptIds.Count == 0) throw new ArgumentException("the prompt has no tokens; add a BOS token or some text", nameof(promptIds));
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

        var decoder = new SequenceDecoder(tokenizer, promptIds, options, model.EndOfSequenceTokenIds, session.MaxLength, topLogprobs);
        float[] logits = session.Append(promptIds);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = decoder.Next(logits, session.Length);
            yield return chunk;
            if (chunk.FinishReason is not null) yield break;
            await Task.Yield();
            logits = session.Append([chunk.TokenId!.Value]);
        }
    }

    /// <summary>Runs <see cref="StreamAsync"/> to the end.</summary>
    /// <param name="withLogprobs">Also record each generated token's log-probability (<see cref="GenerationResult.Logprobs"/>).</param>
    public async Task<GenerationResult> GenerateAsync(
        IReadOnlyList<int> promptIds, SamplingOptions options, CancellationToken cancellationToken = default, bool withLogprobs = false)
    {
        var text = new System.Text.StringBuilder();
        var tokens = new List<int>();
        var logprobs = withLogprobs ? new List<double>() : null;
        FinishReason reason = FinishReason.MaxTokens;
        await foreach (var chunk in StreamAsync(promptIds, options, cancellationToken, withLogprobs ? 0 : null))
        {
            text.Append(chunk.Text);
            if (chunk.TokenId is int id && chunk.FinishReason != FinishReason.EndOfSequence)
            {
                tokens.Add(id);
                if (chunk.Logprob is double logprob) logprobs?.Add(logprob);
            }
            if (chunk.FinishReason is FinishReason r) reason = r;
        }
        return new GenerationResult(text.ToString(), tokens, reason, promptIds.Count) { Logprobs = logprobs };
    }
}
