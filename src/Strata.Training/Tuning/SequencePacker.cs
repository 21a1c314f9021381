using TorchSharp;

namespace Strata.Training.Tuning;

/// <summary>
/// One training row, unpadded. All three arrays have the same length T (1 ≤ T ≤ the context length).
/// Targets[t] is the id of token t + 1 of the same example when that token is trained (its loss mask is true),
/// otherwise <see cref="SequencePacker.IgnoreIndex"/>. DocumentIds[t] numbers the examples packed into the row
/// 0, 1, 2, ... in order; attention must not cross from one document to another.
/// </summary>
public sealed record PackedSequence(long[] InputIds, long[] Targets, int[] DocumentIds);

/// <summary>
/// Turns tokenized examples into rows for next-token training, and rows into batches.
/// <para>Truncation: an example longer than the context length keeps its first contextLength tokens (the
/// conversation's beginning, as Hugging Face's default right-side truncation does) and is counted in
/// <see cref="TruncatedExamples"/>; its last kept position still predicts the first cut-off token when that token is
/// trained. A (truncated) example left with no trained target at all is dropped and counted in
/// <see cref="DroppedExamples"/>: it would cost compute and teach nothing.</para>
/// <para>Packing (pack = true): examples are concatenated greedily, in order, into rows of at most contextLength tokens;
/// an example that does not fit in the current row starts the next one, so examples are never split across rows and
/// each still starts with its own &lt;|im_start|&gt;. Without packing each example is its own row. Rows are never
/// padded here; <see cref="Collate"/> pads a batch to its longest row.</para>
/// Counters are per packer and updated while <see cref="Pack"/> is enumerated; not thread-safe.
/// </summary>
public sealed class SequencePacker
{
    /// <summary>The target value that cross-entropy ignores (PyTorch's default ignore_index).</summary>
    public const long IgnoreIndex = -100;

    /// <summary>Examples seen by <see cref="Pack"/> so far.</summary>
    public int Examples { get; private set; }

    /// <summary>Examples longer than the context length, cut to it.</summary>
    public int TruncatedExamples { get; private set; }

    /// <summary>Examples skipped because no target was left to train on (all-false mask, or truncated before any).</summary>
    public int DroppedExamples { get; private set; }

    /// <exception cref="ArgumentOutOfRangeException">contextLength &lt; 2.</exception>
    /// <exception cref="ArgumentException">An example's InputIds and LossMask lengths differ (thrown while enumerating).</exception>
    public IEnumerable<PackedSequence> Pack(IEnumerable<TokenizedExample> examples, int contextLength, bool pack)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        return PackIterator(examples, contextLength, pack);
    }

    private IEnumerable<PackedSequence> PackIterator(IEnumerable<TokenizedExample> examples, int contextLength, bool pack)
    {
        var inputs = new List<long>(contextLength);
        var targets = new List<long>(contextLength);
        var documents = new List<int>(contextLength);
        int document = 0;
        foreach (var example in examples)
        {
            ArgumentNullException.ThrowIfNull(example, nameof(examples));
            if (example.InputIds.Length != example.LossMask.Length)
                throw new ArgumentException($"example {Examples}: {example.InputIds.Length} ids but {example.LossMask.Length} mask entries", nameof(examples));
            Examples++;
            int length = Math.Min(example.InputIds.Length, contextLength);
            if (example.InputIds.Length > contextLength) TruncatedExamples++;
            var exampleTargets = new long[length];
            bool anyTarget = false;
            for (int t = 0; t < length; t++)
            {
                // Token t predicts token t + 1 of the same example; the row's next example is never a target.
                bool trained = t + 1 < example.InputIds.Length && example.LossMask[t + 1];
                exampleTargets[t] = trained ? example.InputIds[t + 1] : IgnoreIndex;
                anyTarget |= trained;
            }
            if (!anyTarget)
            {
                DroppedExamples++;
                continue;
            }
            if (inputs.Count > 0 && (!pack || inputs.Count + length > contextLength))
            {
                yield return new PackedSequence([.. inputs], [.. targets], [.. documents]);
                inputs.Clear();
                targets.Clear();
                documents.Clear();
                document = 0;
            }
            for (int t = 0; t < length; t++)
            {
                inputs.Add(example.InputIds[t]);
                targets.Add(exampleTargets[t]);
                documents.Add(document);
            }
            document++;
        }
        if (inputs.Count > 0) yield return new PackedSequence([.. inputs], [.. targets], [.. documents]);
    }

    /// <summary>
    /// Pads a batch to its longest row (T) on the right: inputs with <paramref name="padId"/>, targets with
    /// <see cref="IgnoreIndex"/>, so padding never reaches the loss.
    /// </summary>
    /// <returns>Inputs and Targets: int64 (B, T). AttentionMask: null when every row holds a single document (plain
    /// causal attention is then exact: right padding comes after every real token); otherwise an additive float32
    /// (B, 1, T, T) mask, 0 where query i may attend to key j (j ≤ i and same document) and −∞ elsewhere, for
    /// <c>scaled_dot_product_attention(attn_mask: ...)</c>. Padding positions form one more document of their own, so
    /// every row of the mask has an allowed entry (no NaN from an all −∞ softmax) and no real token sees padding.</returns>
    /// <exception cref="ArgumentException">The batch is empty or a row's arrays differ in length.</exception>
    public static (torch.Tensor Inputs, torch.Tensor Targets, torch.Tensor? AttentionMask) Collate(
        IReadOnlyList<PackedSequence> batch, int padId)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) throw new ArgumentException("cannot collate an empty batch", nameof(batch));
        int rows = batch.Count;
        int time = 0;
        bool packed = false;
        foreach (var row in batch)
        {
            if (row.InputIds.Length != row.Targets.Length || row.InputIds.Length != row.DocumentIds.Length)
                throw new ArgumentException("a packed sequence's InputIds, Targets and DocumentIds differ in length", nameof(batch));
            time = Math.Max(time, row.InputIds.Length);
            packed |= row.DocumentIds.Any(d => d != row.DocumentIds[0]);
        }

        var inputs = new long[rows * time];
        var targets = new long[rows * time];
        Array.Fill(inputs, padId);
        Array.Fill(targets, IgnoreIndex);
        for (int b = 0; b < rows; b++)
        {
            batch[b].InputIds.CopyTo(inputs, b * time);
            batch[b].Targets.CopyTo(targets, b * time);
        }
        var inputTensor = torch.tensor(inputs, [rows, time], torch.int64);
        var targetTensor = torch.tensor(targets, [rows, time], torch.int64);
        if (!packed) return (inputTensor, targetTensor, null);

        var mask = new float[rows * time * time];
        Array.Fill(mask, float.NegativeInfinity);
        var document = new int[time];
        for (int b = 0; b < rows; b++)
        {
            var row = batch[b];
            int padding = row.DocumentIds.Length == 0 ? 0 : row.DocumentIds.Max() + 1;
            for (int t = 0; t < time; t++) document[t] = t < row.DocumentIds.Length ? row.DocumentIds[t] : padding;
            int offset = b * time * time;
            for (int i = 0; i < time; i++)
            {
                for (int j = 0; j <= i; j++)
                {
                    if (document[j] == document[i]) mask[offset + i * time + j] = 0f;
                }
            }
        }
        return (inputTensor, targetTensor, torch.tensor(mask, [rows, 1, time, time], torch.float32));
    }
}
