using System.Threading.Channels;
using Strata.Models.Generation;

namespace Strata.Serving.Engine;

/// <summary>A request for one completion, as the engine schedules it.</summary>
/// <param name="PromptIds">The whole prompt, already tokenized and checked against the context length.</param>
/// <param name="Sampling">Decoding settings (max tokens, stops, seed, …).</param>
/// <param name="TopLogprobs">Null: no log-probabilities; otherwise how many alternatives per token.</param>
public sealed record GenerationRequest(IReadOnlyList<int> PromptIds, SamplingOptions Sampling, int? TopLogprobs = null)
{
    /// <summary>The LoRA adapter the sequence runs with (the backend's index; 0 = the base model). Set by the engine view a request goes through.</summary>
    public int Adapter { get; init; }
}

/// <summary>
/// The engine's answer to one <see cref="GenerationRequest"/>: chunks arrive as the sequence decodes; the last one
/// carries the finish reason. Cancelling the token given at submission frees the sequence within one step.
/// </summary>
public sealed class GenerationStream
{
    private readonly Channel<GenerationChunk> chunks = Channel.CreateUnbounded<GenerationChunk>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    internal GenerationStream(GenerationRequest request, string servedName, CancellationToken cancellation)
    {
        Request = request;
        ServedName = servedName;
        Cancellation = cancellation;
    }

    /// <summary>The model name the request was submitted under: an adapter's own name when it runs on a shared base, so metrics count per adapter.</summary>
    internal string ServedName { get; }

    public GenerationRequest Request { get; }

    public int PromptTokens => Request.PromptIds.Count;

    internal CancellationToken Cancellation { get; }

    internal long EnqueuedTimestamp { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    internal ChannelWriter<GenerationChunk> Writer => chunks.Writer;

    /// <summary>Chunks until the sequence finishes; ends with an exception if the engine failed the request.</summary>
    public IAsyncEnumerable<GenerationChunk> ReadAllAsync(CancellationToken cancellationToken = default) =>
        chunks.Reader.ReadAllAsync(cancellationToken);
}

/// <summary>The queue is full: the client should retry later (HTTP 429).</summary>
public sealed class EngineBusyException(string message, int retryAfterSeconds) : Exception(message)
{
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}
