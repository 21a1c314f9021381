using Strata.Models.Generation;
using Strata.Serving.Engine;
using Strata.Serving.Registry;
using Strata.Serving.Tests.Support;

namespace Strata.Serving.Tests.Engine;

/// <summary>
/// Continuous batching must not change what any sequence generates: each stream of a busy batch has to match the
/// single-stream generator (itself checked against the numpy reference) token for token.
/// </summary>
public sealed class InferenceEngineTests
{
    [Fact]
    public async Task ConcurrentStreamsEachMatchTheirSingleStreamGeneration()
    {
        using var model = ServedModel.Load(TinyModels.SharedDirectory);
        using var engine = new InferenceEngine(model, new EngineOptions { MaxBatchSize = 4, PrefillTokensPerStep = 7 });
        string[] prompts = ["To be, or not to be", "Once", "What light through yonder window breaks? It is the east", "crown", "a b c d e f", "Hello"];
        var requests = prompts.Select((p, i) => new GenerationRequest(
            model.EncodeCompletionPrompt(p),
            new SamplingOptions { Temperature = i % 2 == 0 ? 0 : 0.8, Seed = 100 + i, MaxTokens = 12 + i, StopAtEndOfSequence = false })).ToArray();

        // Six requests, four slots, prompt chunks of 7 tokens: sequences join and leave mid-flight.
        var streams = requests.Select(r => engine.Submit(r)).ToArray();
        var batched = await Task.WhenAll(streams.Select(Collect));

        var single = new TextGenerator(model.Package.LanguageModel(model.Backend), model.Tokenizer);
        for (int i = 0; i < requests.Length; i++)
        {
            var expected = await single.GenerateAsync(requests[i].PromptIds, requests[i].Sampling);
            Assert.Equal(expected.TokenIds, batched[i].Tokens);
            Assert.Equal(expected.Text, batched[i].Text);
            Assert.Equal(FinishReason.MaxTokens, batched[i].Finish);
        }
    }

    [Fact]
    public async Task FullQueueIsRefusedInsteadOfGrowing()
    {
        using var model = ServedModel.Load(TinyModels.SharedDirectory);
        using var engine = new InferenceEngine(model, new EngineOptions { MaxBatchSize = 1, MaxQueuedRequests = 2 });
        var request = new GenerationRequest(model.EncodeCompletionPrompt("x"), new SamplingOptions { MaxTokens = 200, StopAtEndOfSequence = false });
        using var cancel = new CancellationTokenSource();
        var accepted = new List<GenerationStream>();
        var refused = 0;
        for (int i = 0; i < 10; i++)
        {
            try
            {
                accepted.Add(engine.Submit(request, cancel.Token));
            }
            catch (EngineBusyException e)
            {
                refused++;
                Assert.True(e.RetryAfterSeconds > 0);
            }
        }
        Assert.InRange(accepted.Count, 2, 3); // two waiting, plus possibly one already admitted
        Assert.Equal(10 - accepted.Count, refused);
        cancel.Cancel();
        foreach (var stream in accepted) await Collect(stream);
    }

    [Fact]
    public async Task CancelledSequenceLeavesTheBatchAndOthersFinish()
    {
        // A long context, so the doomed sequence could run for seconds if cancellation did not stop it.
        using var model = ServedModel.Load(TinyModels.Create(Path.Combine(TestPaths.NewTemporaryDirectory(), "long"), contextLength: 8192));
        using var engine = new InferenceEngine(model);
        var longRequest = new GenerationRequest(model.EncodeCompletionPrompt("a"), new SamplingOptions { MaxTokens = 8000, StopAtEndOfSequence = false });
        using var cancel = new CancellationTokenSource();
        var doomed = engine.Submit(longRequest, cancel.Token);
        var survivor = engine.Submit(new GenerationRequest(model.EncodeCompletionPrompt("b"), SamplingOptions.Greedy with { MaxTokens = 30, StopAtEndOfSequence = false }));
        int received = 0;
        await foreach (var chunk in doomed.ReadAllAsync())
        {
            if (++received == 3) cancel.Cancel();
        }
        // Chunks produced before the engine saw the cancellation may still be buffered for the reader, so the count
        // is not exact; the stream must end far short of its 8000 tokens, and the slot must be free.
        Assert.InRange(received, 3, 4000);
        var result = await Collect(survivor);
        Assert.Equal(30, result.Tokens.Count);
        await WaitUntil(() => engine.ActiveSequences == 0);
    }

    [Fact]
    public async Task EmbeddingWorkRunsBetweenSteps()
    {
        using var model = ServedModel.Load(TinyModels.SharedDirectory);
        using var engine = new InferenceEngine(model);
        int layers = await engine.RunExclusiveAsync(network => network.Config.NumHiddenLayers);
        Assert.Equal(2, layers);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }

    private static async Task<(List<int> Tokens, string Text, FinishReason? Finish)> Collect(GenerationStream stream)
    {
        var tokens = new List<int>();
        var text = new System.Text.StringBuilder();
        FinishReason? finish = null;
        await foreach (var chunk in stream.ReadAllAsync())
        {
            if (chunk.TokenId is int id && chunk.FinishReason != FinishReason.EndOfSequence) tokens.Add(id);
            text.Append(chunk.Text);
            finish = chunk.FinishReason ?? finish;
        }
        return (tokens, text.ToString(), finish);
    }
}
