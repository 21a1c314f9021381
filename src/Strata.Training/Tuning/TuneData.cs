using Strata.Training.Datasets;
using Strata.Training.Loop;

namespace Strata.Training.Tuning;

/// <summary>
/// Packed conversation rows as training batches. Each epoch visits every row once in an order shuffled by
/// (seed, epoch), so batch <c>i</c> is a pure function of <c>i</c> and resumed runs see the same batches.
/// </summary>
public sealed class TuneData : ITrainingData
{
    private readonly IReadOnlyList<PackedSequence> train, validation;
    private readonly int batchSize, padId;
    private readonly long seed;
    private readonly Dictionary<long, int[]> orders = [];

    public TuneData(IReadOnlyList<PackedSequence> train, IReadOnlyList<PackedSequence> validation, int batchSize, int padId, long seed)
    {
        if (train.Count == 0) throw new ArgumentException("no training conversations left after packing");
        (this.train, this.validation, this.batchSize, this.padId, this.seed) = (train, validation, batchSize, padId, seed);
    }

    public int TrainRows => train.Count;

    /// <summary>The packed training rows, in their original order (<see cref="RowsOf"/> indexes them).</summary>
    public IReadOnlyList<PackedSequence> Rows => train;

    public int PadId => padId;

    public TrainingBatch Batch(long index)
    {
        var (inputs, targets, mask) = SequencePacker.Collate(RowsOf(index).Select(i => train[i]).ToList(), padId);
        return new TrainingBatch(inputs, targets, mask);
    }

    /// <summary>Which training rows make up batch <paramref name="index"/>, in batch order.</summary>
    public IReadOnlyList<int> RowsOf(long index)
    {
        var rows = new int[batchSize];
        for (long slot = index * batchSize; slot < (index + 1) * batchSize; slot++)
        {
            long epoch = slot / train.Count;
            rows[slot - index * batchSize] = Order(epoch)[(int)(slot % train.Count)];
        }
        return rows;
    }

    public IEnumerable<TrainingBatch> Validation(long? maxTokens)
    {
        long tokens = 0;
        for (int start = 0; start < validation.Count; start += batchSize)
        {
            var rows = validation.Skip(start).Take(batchSize).ToList();
            var (inputs, targets, mask) = SequencePacker.Collate(rows, padId);
            yield return new TrainingBatch(inputs, targets, mask);
            tokens += rows.Sum(r => r.InputIds.Length);
            if (maxTokens is long cap && tokens >= cap) yield break;
        }
    }

    public double? ValidationCharactersPerToken => null;

    private int[] Order(long epoch)
    {
        if (orders.TryGetValue(epoch, out int[]? order)) return order;
        order = Enumerable.Range(0, train.Count).ToArray();
        var random = new SplitMix64(SplitMix64.Mix((ulong)seed) ^ (ulong)epoch);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)random.NextBelow((ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        if (orders.Count > 4) orders.Clear();
        return orders[epoch] = order;
    }
}
