using Strata.Training.Datasets;
using Strata.Training.Loop;

namespace Strata.Training.Pretraining;

/// <summary>A token dataset as training batches: random windows for training, in-order windows for validation.</summary>
public sealed class PretrainData : ITrainingData, IDisposable
{
    private readonly TokenDataset dataset;
    private readonly BatchSampler sampler;
    private readonly int batchSize, contextLength;

    public PretrainData(TokenDataset dataset, TrainingOptions options)
    {
        this.dataset = dataset;
        batchSize = options.BatchSize;
        contextLength = options.ContextLength;
        sampler = new BatchSampler(dataset.Train, batchSize, contextLength, options.Seed);
    }

    public TokenDatasetInfo Info => dataset.Info;

    public TrainingBatch Batch(long index)
    {
        var (inputs, targets) = sampler.Batch(index);
        return new TrainingBatch(inputs, targets);
    }

    public IEnumerable<TrainingBatch> Validation(long? maxTokens) =>
        BatchSampler.ValidationWindows(dataset.Validation, contextLength, batchSize, maxTokens)
            .Select(pair => new TrainingBatch(pair.Inputs, pair.Targets));

    public double? ValidationCharactersPerToken =>
        dataset.Info.ValidationTokens > 0 ? (double)dataset.Info.ValidationCharacters / dataset.Info.ValidationTokens : null;

    public void Dispose() => dataset.Dispose();
}
