using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
        int tiles = (length + NativeSequenceCache.KeyTile - 1) / NativeSequenceCache.KeyTile;
        float* scores = buffer.Floats((long)tiles * NativeSequenceCache.KeyTile);
        byte* keys = cache.Head(layer, values: false, h / group);
        byte* values = cache.Head(layer, values: true, h / group);
        bool half = cache.ElementBytes == 2;
        for (int tile = 0; tile < tiles; tile++)
        {
            long at = (long)tile * NativeSequenceCache.KeyTile * headDim;
            float* target = scores + tile * NativeSequenceCache.KeyTile;
            if (!Isa.Avx512) ScoreTileScalar(keys, at, half, q, target);
            else (half ? KeyTileHalf((ushort*)keys + at, q) : KeyTile((float*)keys + at, q)).Store(target);
        }
        if (alibiSlopes is not null)
        {
            float slope = alibiSlopes[h];
            for (int t = 0; t < length; t++) scores[t] += slope * (t - position);
        }
        VectorOps.Softmax(scores, length);
        if (Isa.Avx512 && headDim % 64 == 0)
        {
            AccumulateValues(scores, values, half, length, y);
            return;
        }
        new Span<float>(y, headDim).Clear();
        for (int t = 0; t < length; t++)
        {
            if (half) VectorOps.AxpyHalf(scores[t], (ushort*)values + (long)t * headDim, y, headDim);
            else VectorOps.Axpy(scores[t], (float*)values + (long)t * headDim, y, headDim);
        }
    }

    /// <summary>y = Σ_t p_t·V[t], 64 dimensions at a time held in four registers across all positions.</summary>
    private void AccumulateValues(float* p, byte* values, bool half, int length, float* y)
    {
        for (int c = 0; c < headDim; c += 64)
        {
            Vector512<float> y0 = default, y1 = default, y2 = default, y3 = default;
            for (int t = 0; t < length; t++)
            {
                var weight = Vector512.Create(p[t]);
                long at = (long)t * headDim + c;
                if (half)
                {
                    ushort* v = (ushort*)values + at;
                    y0 = Avx512F.FusedMultiplyAdd(weight, FloatKernels.HalfToSingle(Vector256.Load(v)), y0);
                    y1 = Avx512F.FusedMultiplyAdd(weight, FloatKernels.HalfToSingle(Vector256.Load(v + 16)), y1);
                    y2 = Avx512F.FusedMultiplyAdd(weight, FloatKernels.HalfToSingle(Vector256.Load(v + 32)), y2);
                    y3 = Avx512F.FusedMultiplyAdd(weight, FloatKernels.HalfToSingle(Vector256.Load(v + 48)), y3);
                }
                else
                {
                    float* v = (float*)values + at;
                    y0 = Avx512F.FusedMultiplyAdd(weight, Vector512.Load(v), y0);
                    y1 = Avx512F.FusedMultiplyAdd(weight, Vector512.Load(v + 16), y1);
                    y2 = Avx512F.FusedMultiplyAdd(weight, Vector512.Load(v + 32), y2);
                    y3 = Avx512F.FusedMultiplyAdd(weight, Vector512.Load(v + 48), y3);
                }
            }
            y0.Store(y + c);
            y1.Store(y + c + 16);
            y2.Store(y + c + 32);
            y3.Store(y + c + 48);
        }
    }

    /// <summary>The portable twin of <see cref="KeyTile"/>: scaled scores of one tile's sixteen keys.</summary>
    private void ScoreTileScalar(byte* keys, long at, bool half, float* q, float* target)
    {
        for (int slot = 0; slot < NativeSequenceCache.KeyTile; slot++)
        {
            float dot = 0;
            for (int d = 0; d < headDim; d++)
            {
                long index = at + (long)d * NativeSequenceCache.KeyTile + slot;
                dot += q[d] * (half ? (float)BitConverter.UInt16BitsToHalf(((ushort*)keys)[index]) : ((float*)keys)[index]);
            }
            target[slot] = dot * scale;
        }
    }

    /// <summary>Scaled scores of the sixteen keys of one transposed tile: Σ_d q[d]·tile[d][0..15].</summary>
    private Vector512<float> KeyTile(float* tile, float* q)
    {
        Vector512<float> a = default, b = default;
        int d = 0;
        for (; d + 2 <= headDim; d += 2)
        {
            a = Avx512F.FusedMultiplyAdd(Vector512.Create(q[d]), Vector512.Load(tile + 16 * d), a);
            b = Avx512F.FusedMultiplyAdd(Vector512.Create(q[d + 1]), Vector512.Load(tile + 16 * d + 16), b);
        }
        for (; d < headDim; d++) a = Avx512F.FusedMultiplyAdd(Vector512.Create(q[d]), Vector512.Load(tile + 16 * d), a);
        return (a + b) * Vector512.Create(scale);
    }

    private Vector512<float> KeyTileHalf(ushort* tile, float* q)
    {
        Vector512<float> a = default, b = default;
        int d = 0;
        for (; d + 2 <= headDim; d += 2)
        {
            a = Avx512F.FusedMultiplyAdd(Vector512.Create(q[d]), FloatKernels.HalfToSingle(Vector256.Load(tile + 16 * d)), a);
            b = Avx512F.FusedMultiplyAdd(Vector512.Create(q[d + 1]), FloatKernels.HalfToSingle(Vector256.Load(tile + 16 * d + 16)), b);
        }
        for (; d < headDim; d++) a = Avx512F.FusedMultiplyAdd(Vector512.Create(q[d]), FloatKernels.HalfToSingle(Vector256.Load(tile + 16 * d)), a);
        return (a + b) * Vector512.Create(scale);
    }

    public void Dispose()
    {
        foreach (var buffer in scratch) buffer.Dispose();
    }
}
