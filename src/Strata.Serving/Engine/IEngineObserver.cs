namespace Strata.Serving.Engine;

/// <summary>What the engine reports as it works (the server turns these into Prometheus metrics).</summary>
public interface IEngineObserver
{
    void QueueDepthChanged(string model, int depth);
    void ActiveSequencesChanged(string model, int active);
    void StepCompleted(string model, int sequences, int tokens);
    void FirstToken(string model, TimeSpan sinceEnqueued);
    void TokensGenerated(string model, int count);

    /// <summary>Ignores everything.</summary>
    public static IEngineObserver None { get; } = new NoObserver();

    private sealed class NoObserver : IEngineObserver
    {
        public void QueueDepthChanged(string model, int depth) { }
        public void ActiveSequencesChanged(string model, int active) { }
        public void StepCompleted(string model, int sequences, int tokens) { }
        public void FirstToken(string model, TimeSpan sinceEnqueued) { }
        public void TokensGenerated(string model, int count) { }
    }
}
