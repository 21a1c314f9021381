using Prometheus;
using Strata.Serving.Engine;

namespace Strata.Serving.Metrics;

/// <summary>
/// Prometheus metrics for one server (its own registry, so several servers in one process stay apart): requests,
/// tokens in and out, time to first token, decode rate, queue depth and active sequences.
/// </summary>
public sealed class ServerMetrics : IEngineObserver
{
    private readonly Counter requests, promptTokens, generatedTokens, steps, stepTokens;
    private readonly Histogram timeToFirstToken, tokensPerSecond, requestDuration;
    private readonly Gauge queueDepth, activeSequences;

    public ServerMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        requests = factory.CreateCounter("strata_requests_total", "HTTP requests by route and status code.", "route", "status");
        requestDuration = factory.CreateHistogram("strata_request_duration_seconds", "Time to complete an HTTP request (whole stream included).",
            new HistogramConfiguration { LabelNames = ["route"], Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });
        promptTokens = factory.CreateCounter("strata_prompt_tokens_total", "Prompt tokens accepted.", "model");
        generatedTokens = factory.CreateCounter("strata_generated_tokens_total", "Tokens generated.", "model");
        timeToFirstToken = factory.CreateHistogram("strata_time_to_first_token_seconds", "From request queued to first token sampled.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 12) });
        tokensPerSecond = factory.CreateHistogram("strata_decode_tokens_per_second", "Per-request generation rate: completion tokens over the request's time, queueing and prefill included.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = Histogram.ExponentialBuckets(1, 2, 10) });
        queueDepth = factory.CreateGauge("strata_queue_depth", "Requests waiting for a batch slot.", "model");
        activeSequences = factory.CreateGauge("strata_active_sequences", "Sequences in the running batch.", "model");
        steps = factory.CreateCounter("strata_engine_steps_total", "Batched forward passes.", "model");
        stepTokens = factory.CreateCounter("strata_engine_step_tokens_total", "Tokens processed by forward passes (prefill and decode).", "model");
    }

    public CollectorRegistry Registry { get; }

    public void RequestCompleted(string route, int status, TimeSpan duration)
    {
        requests.WithLabels(route, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        requestDuration.WithLabels(route).Observe(duration.TotalSeconds);
    }

    public void PromptTokens(string model, int count) => promptTokens.WithLabels(model).Inc(count);

    /// <summary>A completion finished: <paramref name="tokens"/> generated in <paramref name="elapsed"/>.</summary>
    public void DecodeRate(string model, int tokens, TimeSpan elapsed)
    {
        if (tokens > 0 && elapsed > TimeSpan.Zero) tokensPerSecond.WithLabels(model).Observe(tokens / elapsed.TotalSeconds);
    }

    public void QueueDepthChanged(string model, int depth) => queueDepth.WithLabels(model).Set(depth);

    public void ActiveSequencesChanged(string model, int active) => activeSequences.WithLabels(model).Set(active);

    public void StepCompleted(string model, int sequences, int tokens)
    {
        steps.WithLabels(model).Inc();
        stepTokens.WithLabels(model).Inc(tokens);
    }

    public void FirstToken(string model, TimeSpan sinceEnqueued) => timeToFirstToken.WithLabels(model).Observe(sinceEnqueued.TotalSeconds);

    public void TokensGenerated(string model, int count) => generatedTokens.WithLabels(model).Inc(count);

    public Task WriteAsync(Stream output, CancellationToken cancellationToken) => Registry.CollectAndExportAsTextAsync(output, cancellationToken);
}
