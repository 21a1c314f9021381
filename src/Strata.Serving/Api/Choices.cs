using System.Diagnostics;
using System.Threading.Channels;
using Strata.Models.Generation;
using Strata.Serving.Engine;
using Strata.Serving.Metrics;

namespace Strata.Serving.Api;

/// <summary>A finished choice: its text, tokens, per-token chunks (for logprobs) and why it ended.</summary>
public sealed record ChoiceResult(int Index, string Text, IReadOnlyList<GenerationChunk> Chunks, int CompletionTokens, FinishReason FinishReason);

/// <summary>
/// Runs the <c>n</c> choices of one request on an engine: submits them together (all or none), and either collects
/// them or merges their chunks into one ordered stream. The request's abort token cancels every choice, which
/// frees their batch slots within a step.
/// </summary>
public sealed class Choices : IDisposable
{
    private readonly CancellationTokenSource cancel;
    private readonly GenerationStream[] streams;
    private readonly InferenceEngine engine;
    private readonly ServerMetrics metrics;
    private readonly long started = Stopwatch.GetTimestamp();

    private Choices(InferenceEngine engine, ServerMetrics metrics, CancellationTokenSource cancel, GenerationStream[] streams)
    {
        this.engine = engine;
        this.metrics = metrics;
        this.cancel = cancel;
        this.streams = streams;
    }

    public int Count => streams.Length;

    /// <exception cref="ApiException">429 when the engine's queue cannot take them all.</exception>
    public static Choices Submit(InferenceEngine engine, ServerMetrics metrics, IReadOnlyList<GenerationRequest> requests, CancellationToken requestAborted)
    {
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        var streams = new List<GenerationStream>(requests.Count);
        try
        {
            foreach (var request in requests) streams.Add(engine.Submit(request, cancel.Token));
        }
        catch (EngineBusyException e)
        {
            cancel.Cancel();
            cancel.Dispose();
            throw new ApiException(429, e.Message, null, "rate_limit_exceeded") { RetryAfterSeconds = e.RetryAfterSeconds };
        }
        catch (ArgumentException e)
        {
            cancel.Cancel();
            cancel.Dispose();
            throw ApiException.BadRequest(e.Message);
        }
        metrics.PromptTokens(engine.Model.Name, requests[0].PromptIds.Count);
        return new Choices(engine, metrics, cancel, streams.ToArray());
    }

    public async Task<ChoiceResult[]> CollectAsync()
    {
        var results = await Task.WhenAll(streams.Select((s, i) => CollectOne(i, s)));
        return results;
    }

    private async Task<ChoiceResult> CollectOne(int index, GenerationStream stream)
    {
        var chunks = new List<GenerationChunk>();
        await foreach (var chunk in stream.ReadAllAsync(cancel.Token)) chunks.Add(chunk);
        return Result(index, chunks);
    }

    /// <summary>Chunks of all choices as they arrive, tagged with the choice index.</summary>
    public async IAsyncEnumerable<(int Index, GenerationChunk Chunk)> MergeAsync()
    {
        var merged = Channel.CreateUnbounded<(int, GenerationChunk)>();
        var pumps = streams.Select(async (stream, index) =>
        {
            await foreach (var chunk in stream.ReadAllAsync(cancel.Token)) await merged.Writer.WriteAsync((index, chunk), cancel.Token);
        }).ToArray();
        _ = Task.WhenAll(pumps).ContinueWith(t => merged.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);
        await foreach (var item in merged.Reader.ReadAllAsync(cancel.Token)) yield return item;
    }

    /// <summary>
    /// Streams every choice's chunks to <paramref name="onChunk"/> as they arrive, then records the decode rate and
    /// returns each choice's result. The one home of a stream's submit → stream → usage steps for every streaming
    /// endpoint: a failure mid-stream (a failing engine step) cannot become an HTTP error once events have been sent,
    /// so it is returned for the endpoint to end the stream with its API's error event; a client that went away
    /// (cancellation) is not an error and ends the stream quietly.
    /// </summary>
    public async Task<(ChoiceResult[] Results, Exception? Error)> StreamAsync(Func<int, GenerationChunk, Task> onChunk)
    {
        var perChoice = streams.Select(_ => new List<GenerationChunk>()).ToArray();
        Exception? error = null;
        try
        {
            await foreach (var (index, chunk) in MergeAsync())
            {
                perChoice[index].Add(chunk);
                await onChunk(index, chunk);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = e;
        }
        var results = perChoice.Select((chunks, i) => Result(i, chunks)).ToArray();
        Completed(results);
        return (results, error);
    }

    /// <summary>Records the decode rate; call once the choices have finished.</summary>
    public void Completed(IEnumerable<ChoiceResult> results)
    {
        foreach (var result in results) metrics.DecodeRate(engine.Model.Name, result.CompletionTokens, Stopwatch.GetElapsedTime(started));
    }

    public static ChoiceResult Result(int index, IReadOnlyList<GenerationChunk> chunks)
    {
        var text = new System.Text.StringBuilder();
        int tokens = 0;
        var finish = FinishReason.MaxTokens;
        foreach (var chunk in chunks)
        {
            text.Append(chunk.Text);
            if (chunk.TokenId is not null && chunk.FinishReason != FinishReason.EndOfSequence) tokens++;
            if (chunk.FinishReason is FinishReason reason) finish = reason;
        }
        return new ChoiceResult(index, text.ToString(), chunks, tokens, finish);
    }

    /// <summary>OpenAI's finish_reason: "stop" for EOS or a stop sequence, "length" for a token or context limit.</summary>
    public static string OpenAiFinishReason(FinishReason reason) =>
        reason is FinishReason.EndOfSequence or FinishReason.StopSequence ? "stop" : "length";

    public void Dispose()
    {
        cancel.Cancel();
        cancel.Dispose();
    }
}
