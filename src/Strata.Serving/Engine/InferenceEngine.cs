using System.Diagnostics;
using System.Threading.Channels;
using Strata.Models.Generation;
using Strata.Models.Inference;
using Strata.Serving.Registry;

namespace Strata.Serving.Engine;

/// <summary>
/// One model's scheduler and sole user of its weights. Requests enter through a bounded queue; a dedicated thread
/// runs steps. Each step admits waiting requests into free batch slots, drops cancelled sequences, then runs ONE
/// forward pass over every active sequence: chunks of new prompts (prefill) and one token for each decoding
/// sequence, side by side (<see cref="IInferenceBackend.Step"/>). Finished sequences leave between steps,
/// so sixteen streams share each pass over the weights instead of taking turns (continuous batching).
/// </summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly ServedModel model;
    private readonly EngineOptions options;
    private readonly IEngineObserver observer;
    private readonly Channel<GenerationStream> queue;
    private readonly Channel<Action> jobs = Channel.CreateBounded<Action>(64);
    private readonly List<ActiveSequence> active = [];
    private readonly AutoResetEvent wake = new(false);
    private readonly CancellationTokenSource stopping = new();
    private readonly Thread thread;
    private float[] logitsBuffer = [];

    // An adapter view shares its host's queue, thread and backend; its requests run with its adapter.
    private readonly InferenceEngine? host;
    private readonly int adapter;

    // Created and disposed on the engine thread, which alone touches the backend; one slot per batch place.
    private ISequenceCachePool? cachePool;

    public InferenceEngine(ServedModel model, EngineOptions? options = null, IEngineObserver? observer = null)
    {
        this.model = model;
        this.options = options ?? new EngineOptions();
        this.options.Validate();
        this.observer = observer ?? IEngineObserver.None;
        queue = Channel.CreateBounded<GenerationStream>(new BoundedChannelOptions(this.options.MaxQueuedRequests)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        thread = new Thread(Run) { IsBackground = true, Name = $"strata-engine-{model.Name}" };
        thread.Start();
    }

    /// <summary>
    /// A view of this engine that serves <paramref name="alias"/> (a LoRA adapter over this engine's model, loaded as
    /// <paramref name="adapterIndex"/>): its sequences join this engine's batches, so many adapters share one copy of the
    /// base weights and one continuous batch.
    /// </summary>
    public InferenceEngine ForAdapter(ServedModel alias, int adapterIndex) => new(this, alias, adapterIndex);

    private InferenceEngine(InferenceEngine host, ServedModel alias, int adapterIndex)
    {
        this.host = host;
        adapter = adapterIndex;
        model = alias;
        (options, observer, queue, jobs, wake, stopping, thread) = (host.options, host.observer, host.queue, host.jobs, host.wake, host.stopping, host.thread);
    }

    /// <summary>Whether this is an adapter view of another engine.</summary>
    public bool IsAdapterView => host is not null;

    public ServedModel Model => model;

    /// <summary>Requests waiting for a batch slot.</summary>
    public int QueueDepth => queue.Reader.Count;

    /// <summary>Sequences in the running batch.</summary>
    public int ActiveSequences
    {
        get => host?.ActiveSequences ?? activeSequences;
        private set => activeSequences = value;
    }

    private int activeSequences;

    /// <summary>Queues a generation; chunks flow through the returned stream.</summary>
    /// <exception cref="EngineBusyException">The queue is full.</exception>
    public GenerationStream Submit(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        if (request.PromptIds.Count == 0) throw new ArgumentException("the prompt has no tokens");
        if (request.PromptIds.Count >= model.ContextLength)
        {
            throw new ArgumentException($"the prompt has {request.PromptIds.Count} tokens; the model's context holds {model.ContextLength}");
        }
        request.Sampling.Validate();
        var stream = new GenerationStream(adapter == 0 ? request : request with { Adapter = adapter }, model.Name, cancellationToken);
        if (stopping.IsCancellationRequested) throw new ObjectDisposedException(nameof(InferenceEngine));
        if (!queue.Writer.TryWrite(stream))
        {
            throw new EngineBusyException($"model '{model.Name}' has {options.MaxQueuedRequests} requests waiting; retry shortly", 1);
        }
        observer.QueueDepthChanged(model.Name, QueueDepth);
        wake.Set();
        return stream;
    }

    /// <summary>Runs <paramref name="work"/> on the engine thread between steps (embeddings share the weights).</summary>
    /// <exception cref="EngineBusyException">Too much such work is waiting.</exception>
    public Task<T> RunExclusiveAsync<T>(Func<IInferenceBackend, T> work, CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Job()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                completion.TrySetCanceled(cancellationToken);
                return;
            }
            try
            {
                completion.TrySetResult(work(model.Backend));
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
            }
        }
        if (!jobs.Writer.TryWrite(Job)) throw new EngineBusyException($"model '{model.Name}' is busy; retry shortly", 1);
        wake.Set();
        return completion.Task;
    }

    private void Run()
    {
        cachePool = model.Backend.NewCachePool(options.MaxBatchSize);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                while (jobs.Reader.TryRead(out var job)) job();
                Admit();
                if (active.Count == 0)
                {
                    if (queue.Reader.Count == 0 && jobs.Reader.Count == 0) wake.WaitOne(TimeSpan.FromMilliseconds(250));
                    continue;
                }
                Step();
            }
            catch (Exception e)
            {
                // A failing step must not take the engine down: fail the sequences it touched and go on.
                foreach (var sequence in active.ToArray()) Finish(sequence, e);
            }
        }
        foreach (var sequence in active.ToArray()) Finish(sequence, new OperationCanceledException("the server is shutting down"));
        while (queue.Reader.TryRead(out var waiting)) waiting.Writer.TryComplete(new OperationCanceledException("the server is shutting down"));
        cachePool.Dispose();
    }

    private void Admit()
    {
        if (active.Count >= options.MaxBatchSize || queue.Reader.Count == 0) return;   // the common case: nothing to report
        while (active.Count < options.MaxBatchSize && queue.Reader.TryRead(out var stream))
        {
            if (stream.Cancellation.IsCancellationRequested)
            {
                stream.Writer.TryComplete();
                continue;
            }
            var request = stream.Request;
            var decoder = new SequenceDecoder(model.Tokenizer, request.PromptIds, request.Sampling, model.EndOfSequenceIds,
                model.ContextLength, request.TopLogprobs);
            active.Add(new ActiveSequence(stream, decoder, cachePool!.Rent()));
        }
        ActiveSequences = active.Count;
        observer.QueueDepthChanged(model.Name, QueueDepth);
        observer.ActiveSequencesChanged(model.Name, ActiveSequences);
    }

    /// <summary>Runs at the start of every step on the engine's thread: tests throw from it to fail a step mid-reply.</summary>
    internal Action? BeforeStep { get; set; }

    private void Step()
    {
        BeforeStep?.Invoke();
        foreach (var sequence in active.ToArray())
        {
            if (sequence.Stream.Cancellation.IsCancellationRequested) Finish(sequence, null);
            else if (sequence.Stream.Request.Sampling.MaxTokens == 0) Emit(sequence, new GenerationChunk("", null, FinishReason.MaxTokens));
        }
        if (active.Count == 0) return;

        var scheduled = new List<(ActiveSequence Sequence, SequenceStep Chunk, bool Samples)>(active.Count);
        int prefillBudget = options.PrefillTokensPerStep;
        foreach (var sequence in active)
        {
            if (sequence.PromptRemaining > 0)
            {
                if (prefillBudget == 0) continue;
                int take = Math.Min(sequence.PromptRemaining, prefillBudget);
                prefillBudget -= take;
                var prompt = sequence.Stream.Request.PromptIds;
                int start = prompt.Count - sequence.PromptRemaining;
                var tokens = new int[take];
                for (int i = 0; i < take; i++) tokens[i] = prompt[start + i];
                sequence.PromptRemaining -= take;
                scheduled.Add((sequence, new SequenceStep(tokens, sequence.Cache, sequence.Stream.Request.Adapter), sequence.PromptRemaining == 0));
            }
            else
            {
                scheduled.Add((sequence, new SequenceStep([sequence.NextToken], sequence.Cache, sequence.Stream.Request.Adapter), true));
            }
        }

        int vocabulary = model.Backend.VocabularySize;
        // One reused buffer: a fresh multi-megabyte array per step would churn the large-object heap.
        if (logitsBuffer.Length < scheduled.Count * vocabulary) logitsBuffer = new float[scheduled.Count * vocabulary];
        model.Backend.Step(scheduled.Select(s => s.Chunk).ToArray(), logitsBuffer);
        observer.StepCompleted(model.Name, scheduled.Count, scheduled.Sum(s => s.Chunk.Tokens.Count));

        for (int i = 0; i < scheduled.Count; i++)
        {
            var (sequence, _, samples) = scheduled[i];
            if (!samples) continue;
            Emit(sequence, sequence.Decoder.Next(logitsBuffer.AsSpan(i * vocabulary, vocabulary), sequence.Cache.Length));
        }
    }

    private void Emit(ActiveSequence sequence, GenerationChunk chunk)
    {
        if (!sequence.SentFirstToken)
        {
            sequence.SentFirstToken = true;
            observer.FirstToken(sequence.Stream.ServedName, Stopwatch.GetElapsedTime(sequence.Stream.EnqueuedTimestamp));
        }
        if (chunk.TokenId is int token && chunk.FinishReason != FinishReason.EndOfSequence) observer.TokensGenerated(sequence.Stream.ServedName, 1);
        sequence.Stream.Writer.TryWrite(chunk);
        if (chunk.FinishReason is not null) Finish(sequence, null);
        else sequence.NextToken = chunk.TokenId!.Value;
    }

    private void Finish(ActiveSequence sequence, Exception? error)
    {
        sequence.Stream.Writer.TryComplete(error);
        sequence.Cache.Dispose();
        active.Remove(sequence);
        ActiveSequences = active.Count;
        observer.ActiveSequencesChanged(model.Name, ActiveSequences);
    }

    public void Dispose()
    {
        if (host is not null || stopping.IsCancellationRequested) return;   // a view's host stops the thread
        stopping.Cancel();
        queue.Writer.TryComplete();
        wake.Set();
        thread.Join();
        wake.Dispose();
        stopping.Dispose();
    }

    private sealed class ActiveSequence(GenerationStream stream, SequenceDecoder decoder, ISequenceCache cache)
    {
        public GenerationStream Stream { get; } = stream;
        public SequenceDecoder Decoder { get; } = decoder;
        public ISequenceCache Cache { get; } = cache;
        public int PromptRemaining { get; set; } = stream.Request.PromptIds.Count;
        public int NextToken { get; set; }
        public bool SentFirstToken { get; set; }
    }
}
