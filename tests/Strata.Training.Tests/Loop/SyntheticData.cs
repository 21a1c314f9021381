using Strata.Training.Loop;
using static TorchSharp.torch;

namespace Strata.Training.Tests.Loop;

/// <summary>
/// A learnable synthetic corpus: a fixed random "text" over a small vocabulary whose windows the model can
/// memorise. Batches are a pure function of their index, as <see cref="ITrainingData"/> requires.
/// <paramref name="poisoned"/> batch indices get random targets (a loss spike, for the watchdog).
/// </summary>
/// <paramref name="corpusSeed"/> draws another "text" (validation unlike training, so that training overfits).
internal sealed class SyntheticData(int vocab, int batchSize, int context, IReadOnlySet<long>? poisoned = null, int corpusSeed = 42) : ITrainingData
{
    private readonly long[] corpus = MakeCorpus(vocab, corpusSeed);

    private static long[] MakeCorpus(int vocab, int seed)
    {
        var random = new Random(seed);
        var phrase = Enumerable.Range(0, 37).Select(_ => (long)random.Next(vocab)).ToArray();
        return Enumerable.Range(0, 4000).Select(i => phrase[i % phrase.Length]).ToArray();
    }

    public TrainingBatch Batch(long index)
    {
        var random = new Random((int)(index * 7919 % int.MaxValue));
        var inputs = new long[batchSize * context];
        var targets = new long[batchSize * context];
        for (int b = 0; b < batchSize; b++)
        {
            int offset = random.Next(corpus.Length - context - 1);
            for (int t = 0; t < context; t++)
            {
                inputs[b * context + t] = corpus[offset + t];
                targets[b * context + t] = poisoned?.Contains(index) == true ? random.Next(vocab) : corpus[offset + t + 1];
            }
        }
        return new TrainingBatch(tensor(inputs).view(batchSize, context), tensor(targets).view(batchSize, context));
    }

    public IEnumerable<TrainingBatch> Validation(long? maxTokens)
    {
        for (int i = 0; i < 2; i++) yield return Batch(1_000_000 + i);
    }

    public double? ValidationCharactersPerToken => 4.0;
}
