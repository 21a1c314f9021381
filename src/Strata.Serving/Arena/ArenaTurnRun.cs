using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Strata.Models.Generation;
using Strata.Serving.Api;
using Strata.Serving.Engine;
using Strata.Serving.Metrics;
using Strata.Serving.Registry;

namespace Strata.Serving.Arena;

/// <summary>What a turn streams: text as each side samples it, and each side's end.</summary>
public abstract record ArenaTurnEvent(ArenaSide Side);

/// <summary>New text of one side's answer.</summary>
public sealed record ArenaDelta(ArenaSide Side, string Text) : ArenaTurnEvent(Side);

/// <summary>One side has finished its answer: why, and how many tokens it generated.</summary>
public sealed record ArenaAnswered(ArenaSide Side, FinishReason FinishReason, int Tokens) : ArenaTurnEvent(Side);

/// <summary>
/// One turn in flight: both sides generate at once, each on its model's engine through the path
/// <c>/v1/chat/completions</c> takes (the model's chat template over its own conversation, the same request checks,
/// <see cref="Choices"/> for the engine), and their chunks are interleaved as they arrive. The turn is stored once
/// both answers are complete, before the stream ends; a turn cut short (the client left, a model failed) leaves the
/// battle as it was. Failures carry "model A" or "model B", never a model's name.
/// </summary>
public sealed class ArenaTurnRun : IDisposable
{
    /// <summary>What a turn needs from the service that starts it.</summary>
    public sealed record Context(IArenaStore Store, ModelRegistry Registry, ServerMetrics Metrics, ArenaOptions Options, Func<DateTimeOffset> Now);

    private readonly ArenaBattle battle;
    private readonly string message;
    private readonly Context context;
    private readonly Choices[] sides;
    private readonly Action release;
    private int disposed;

    private ArenaTurnRun(ArenaBattle battle, string message, Context context, Choices[] sides, Action release)
    {
        this.battle = battle;
        this.message = message;
        this.context = context;
        this.sides = sides;
        this.release = release;
    }

    /// <summary>Submits both sides' generations; <paramref name="release"/> runs once when the run is disposed.</summary>
    /// <exception cref="ApiException">As <see cref="ArenaService.BeginTurn"/>, with the models' names hidden.</exception>
    public static ArenaTurnRun Start(ArenaBattle battle, string message, Context context, Action release, CancellationToken aborted)
    {
        var a = Submit(battle, ArenaSide.A, message, context, aborted);
        try
        {
            return new ArenaTurnRun(battle, message, context, [a, Submit(battle, ArenaSide.B, message, context, aborted)], release);
        }
        catch
        {
            a.Dispose();
            throw;
        }
    }

    private static Choices Submit(ArenaBattle battle, ArenaSide side, string message, Context context, CancellationToken aborted)
    {
        try
        {
            var engine = context.Registry.Get(battle.Model(side));
            var model = engine.Model;
            var prompt = ChatMessages.EncodePrompt(model, Conversation(battle, side, message));
            // Refuses (400) a conversation that leaves this model no room to answer.
            GenerationSettings.MaxTokens(model, prompt.Count, null, "max_tokens", "message");
            int maxTokens = Math.Min(context.Options.MaxTokens, model.ContextLength - prompt.Count);
            var sampling = GenerationSettings.Sampling(model, context.Options.Temperature, null, null, null, null, null, [], maxTokens);
            return Choices.Submit(engine, context.Metrics, [new GenerationRequest(prompt, sampling)], aborted);
        }
        catch (ApiException e)
        {
            throw ArenaSecrecy.Hide(e, battle, side);
        }
    }

    /// <summary>The side's conversation: every earlier message with this side's answer, then the new message.</summary>
    private static JsonArray Conversation(ArenaBattle battle, ArenaSide side, string message)
    {
        var messages = new JsonArray();
        foreach (var turn in battle.Turns)
        {
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = turn.Message });
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = turn.Answer(side) });
        }
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = message });
        return messages;
    }

    /// <summary>Both sides' text as it arrives, each side's end, then (the turn stored) the end of the stream.</summary>
    /// <exception cref="ApiException">A model failed mid-answer (500), or the battle was voted on or continued
    /// elsewhere meanwhile (409); either way nothing is stored.</exception>
    /// <exception cref="OperationCanceledException">The client went away.</exception>
    public async IAsyncEnumerable<ArenaTurnEvent> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var merged = Channel.CreateUnbounded<(ArenaSide Side, GenerationChunk Chunk)>(new UnboundedChannelOptions { SingleReader = true });
        var pumps = new[] { Pump(ArenaSide.A, merged.Writer), Pump(ArenaSide.B, merged.Writer) };
        _ = Task.WhenAll(pumps).ContinueWith(_ => merged.Writer.TryComplete(), TaskScheduler.Default);
        var chunks = new[] { new List<GenerationChunk>(), new List<GenerationChunk>() };
        await foreach (var (side, chunk) in merged.Reader.ReadAllAsync(cancellationToken))
        {
            chunks[(int)side].Add(chunk);
            if (chunk.Text.Length > 0) yield return new ArenaDelta(side, chunk.Text);
            if (chunk.FinishReason is FinishReason reason) yield return new ArenaAnswered(side, reason, Choices.Result(0, chunks[(int)side]).CompletionTokens);
        }
        // An engine that drops a cancelled request ends its stream without a finish: that answer is not whole.
        if (chunks.Any(c => c.LastOrDefault()?.FinishReason is null)) throw new OperationCanceledException("the turn was cancelled");
        var a = Choices.Result(0, chunks[0]);
        var b = Choices.Result(0, chunks[1]);
        var turn = new ArenaTurn(message, a.Text, b.Text, a.CompletionTokens, b.CompletionTokens);
        if (!context.Store.AddTurn(battle.Tenant, battle.Id, battle.Turns.Count, turn, context.Now()))
        {
            throw new ApiException(409, "the battle was voted on or continued elsewhere while this turn ran; reload it", "id", "battle_changed");
        }
        sides[0].Completed([a]);
        sides[1].Completed([b]);
    }

    // One side's chunks into the shared channel. Its failure ends the whole stream at once (the other side is cancelled
    // when the run is disposed), as itself when the client left, else with the model's name hidden.
    private async Task Pump(ArenaSide side, ChannelWriter<(ArenaSide, GenerationChunk)> writer)
    {
        try
        {
            await foreach (var (_, chunk) in sides[(int)side].MergeAsync()) await writer.WriteAsync((side, chunk));
        }
        catch (OperationCanceledException e)
        {
            writer.TryComplete(e);
        }
        catch (Exception e)
        {
            writer.TryComplete(ArenaSecrecy.Failed(e, battle, side));
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        foreach (var side in sides) side.Dispose();
        release();
    }
}
