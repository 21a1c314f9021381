using Strata.Models.Native.Kernels;

namespace Strata.Models.Native;

/// <summary>
/// Causal attention of every new token over its own sequence's cache, one (token, head) pair per work item. Items are
/// dealt round-robin, so a prefill's late (long-context) tokens and a single decode token's heads both spread over all
/// threads. Grouped-query heads read their K/V head in place; nothing is expanded.
/// </summary>
internal sealed unsafe class AttentionJob(int threads, int heads, int kvHeads, int headDim, float[]? alibiSlopes) : IParallelJob, IDisposable
{
    private readonly NativeBuffer[] scratch = Enumerable.Range(0, threads).Select(_ => new NativeBuffer()).ToArray();
    private readonly float scale = 1f / MathF.Sqrt(headDim);
    private readonly int group = heads / kvHeads;
    private int tokens, layer;
    private float* queries, output;
    private int[] positions = [];
    private NativeSequenceCache[] caches = [];

    /// <param name="q">(N × heads·hd) rotated queries.</param>
    /// <param name="tokenCaches">The cache of each token's sequence, already holding this step's keys and values.</param>
    /// <param name="tokenPositions">Each token's position in its sequence.</param>
    /// <param name="attended">(N × heads·hd) output.</param>
    public void Set(int layerIndex, int count, float* q, NativeSequenceCache[] tokenCaches, int[] tokenPositions, float* attended)
    {
        layer = layerIndex;
        tokens = count;
        queries = q;
        caches = tokenCaches;
        positions = tokenPositions;
        output = attended;
    }

    public void Execute(int part, int parts, int thread)
    {
        int items = tokens * heads;
        for (int item = part; item < items; item += parts)
        {
            int n = item / heads, h = item % heads;
            Attend(n, h, scratch[thread]);
        }
    }

    private void Attend(int n, int h, NativeBuffer buffer)
    {
        var cache = caches[n];
        int position = positions[n], length = position + 1;
        float* q = queries + ((long)n * heads + h) * headDim;
        float* y = output + ((long)n * heads + h) * headDim;
        float* scores = buffer.Floats(length);
        byte* keys = cache.Head(layer, values: false, h / group);
        byte* values = cache.Head(layer, values: true, h / group);
        bool half = cache.ElementBytes == 2;
        for (int t = 0; t < length; t++)
        {
            float dot = half
                ? FloatKernels.DotF16((ushort*)keys + (long)t * headDim, q, headDim)
                : FloatKernels.DotF32((float*)keys + (long)t * headDim, q, headDim);
            scores[t] = dot * scale;
        }
        if (alibiSlopes is not null)
        {
            float slope = alibiSlopes[h];
            for (int t = 0; t < length; t++) scores[t] += slope * (t - position);
        }
        VectorOps.Softmax(scores, length);
        new Span<float>(y, headDim).Clear();
        for (int t = 0; t < length; t++)
        {
            if (half) VectorOps.AxpyHalf(scores[t], (ushort*)values + (long)t * headDim, y, headDim);
            else VectorOps.Axpy(scores[t], (float*)values + (long)t * headDim, y, headDim);
        }
    }

    public void Dispose()
    {
        foreach (var buffer in scratch) buffer.Dispose();
    }
}
