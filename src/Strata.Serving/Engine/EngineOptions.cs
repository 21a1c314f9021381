namespace Strata.Serving.Engine;

/// <summary>How one model's engine schedules work.</summary>
public sealed record EngineOptions
{
    /// <summary>Sequences decoded together in one forward pass; later requests wait in the queue.</summary>
    public int MaxBatchSize { get; init; } = 16;

    /// <summary>Requests waiting for a batch slot; beyond this the server answers 429 rather than build a backlog.</summary>
    public int MaxQueuedRequests { get; init; } = 64;

    /// <summary>
    /// Prompt tokens prefilled per step across all new sequences. Long prompts are split into chunks of this size
    /// so the sequences already decoding keep receiving a token every step (chunked prefill).
    /// </summary>
    public int PrefillTokensPerStep { get; init; } = 256;

    public void Validate()
    {
        if (MaxBatchSize < 1) throw new ArgumentException("max batch size must be at least 1");
        if (MaxQueuedRequests < 1) throw new ArgumentException("max queued requests must be at least 1");
        if (PrefillTokensPerStep < 1) throw new ArgumentException("prefill tokens per step must be at least 1");
    }
}
