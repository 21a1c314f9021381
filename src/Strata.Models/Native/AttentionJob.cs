using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Strata.Models.Native.Kernels;

namespace Strata.Models.Native;

/// <summary>
/// Causal attention of every new token over its own sequence's cache. A work item is one head of a block of up to four
/// consecutive tokens of one sequence (a prefill's), which share every key tile and value row they load; a decode token
/// is a block of one. Items are dealt round-robin, so a prefill's late (long-context) blocks and a single decode token's
/// heads both spread over all threads. Grouped-query heads read their K/V head in place; nothing is expanded.
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
    private int[] blockStart = [], blockLength = [];
    private int blocks;

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
        if (blockStart.Length < count)
        {
            blockStart = new int[count];
            blockLength = new int[count];
        }
        blocks = 0;
        for (int n = 0; n < count;)
        {
            int length = 1;
            while (length < 4 && n + length < count && ReferenceEquals(tokenCaches[n + length], tokenCaches[n])
                && tokenPositions[n + length] == tokenPositions[n] + length)
            {
                length++;
            }
            blockStart[blocks] = n;
            blockLength[blocks++] = length;
            n += length;
        }
    }

    public void Execute(int part, int parts, int thread)
    {
        int items = blocks * heads;
        for (int item = part; item < items; item += parts)
        {
            int b = item / heads, h = item % heads;
            if (blockLength[b] > 1 && Isa.Avx512 && headDim % 64 == 0) AttendBlock(blockStart[b], blockLength[b], h, scratch[thread]);
            else for (int n = blockStart[b]; n < blockStart[b] + blockLength[b]; n++) Attend(n, h, scratch[thread]);
        }
    }

    /// <summary>
    /// Head <paramref name="h"/> of <paramref name="count"/> (2–4) consecutive tokens of one sequence: each key tile and
    /// value row is loaded once for all of them. Token j attends to positions ≤ its own; beyond that its weights are zero.
    /// </summary>
    private void AttendBlock(int first, int count, int h, NativeBuffer buffer)
    {
        var cache = caches[first];
        int start = positions[first], longest = start + count;
        int tiles = (longest + NativeSequenceCache.KeyTile - 1) / NativeSequenceCache.KeyTile;
        int stride = tiles * NativeSequenceCache.KeyTile;
        float* scores = buffer.Floats(4L * stride);
        byte* keys = cache.Head(layer, values: false, h / group);
        byte* values = cache.Head(layer, values: true, h / group);
        bool half = cache.ElementBytes == 2;
        // Missing tokens of a short block repeat the last one; their results are not stored.
        float* q0 = Query(first, h), q1 = Query(first + Math.Min(1, count - 1), h);
        float* q2 = Query(first + Math.Min(2, count - 1), h), q3 = Query(first + Math.Min(3, count - 1), h);
        if (half) ScoreBlock<HalfKeys>(keys, tiles, stride, q0, q1, q2, q3, scores);
        else ScoreBlock<SingleKeys>(keys, tiles, stride, q0, q1, q2, q3, scores);
        for (int j = 0; j < count; j++)
        {
            float* row = scores + j * stride;
            int length = start + j + 1;
            if (alibiSlopes is not null)
            {
                float slope = alibiSlopes[h];
                for (int t = 0; t < length; t++) row[t] += slope * (t - (start + j));
            }
            VectorOps.Softmax(row, length);
            new Span<float>(row + length, longest - length).Clear();   // causal: no weight on later positions
        }
        for (int j = count; j < 4; j++) new Span<float>(scores + j * stride, longest).Clear();
        for (int c = 0; c < headDim; c += 64) AccumulateBlockValues(scores, stride, values, half, longest, c, first, count, h);
    }

    /// <summary>Scaled scores of four queries against every key tile (one key-tile row load serves all four).</summary>
    private void ScoreBlock<T>(byte* keys, int tiles, int stride, float* q0, float* q1, float* q2, float* q3, float* scores) where T : IKeyFormat
    {
        var s = Vector512.Create(scale);
        int tile = 0;
        // Two tiles per pass: each broadcast query value feeds two key vectors, so loads stop outnumbering FMAs.
        for (; tile + 2 <= tiles; tile += 2)
        {
            long at = (long)tile * NativeSequenceCache.KeyTile * headDim, next = at + NativeSequenceCache.KeyTile * headDim;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
            for (int d = 0; d < headDim; d++)
            {
                var k = T.Load(keys, at + 16 * d);
                var l = T.Load(keys, next + 16 * d);
                var c0 = Vector512.Create(q0[d]);
                a0 = Avx512F.FusedMultiplyAdd(c0, k, a0);
                b0 = Avx512F.FusedMultiplyAdd(c0, l, b0);
                var c1 = Vector512.Create(q1[d]);
                a1 = Avx512F.FusedMultiplyAdd(c1, k, a1);
                b1 = Avx512F.FusedMultiplyAdd(c1, l, b1);
                var c2 = Vector512.Create(q2[d]);
                a2 = Avx512F.FusedMultiplyAdd(c2, k, a2);
                b2 = Avx512F.FusedMultiplyAdd(c2, l, b2);
                var c3 = Vector512.Create(q3[d]);
                a3 = Avx512F.FusedMultiplyAdd(c3, k, a3);
                b3 = Avx512F.FusedMultiplyAdd(c3, l, b3);
            }
            int offset = tile * NativeSequenceCache.KeyTile;
            (a0 * s).Store(scores + offset);
            (a1 * s).Store(scores + stride + offset);
            (a2 * s).Store(scores + 2 * stride + offset);
            (a3 * s).Store(scores + 3 * stride + offset);
            (b0 * s).Store(scores + offset + 16);
            (b1 * s).Store(scores + stride + offset + 16);
            (b2 * s).Store(scores + 2 * stride + offset + 16);
            (b3 * s).Store(scores + 3 * stride + offset + 16);
        }
        for (; tile < tiles; tile++)
        {
            long at = (long)tile * NativeSequenceCache.KeyTile * headDim;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int d = 0; d < headDim; d++)
            {
                var k = T.Load(keys, at + 16 * d);
                a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(q0[d]), k, a0);
                a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(q1[d]), k, a1);
                a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(q2[d]), k, a2);
                a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(q3[d]), k, a3);
            }
            int offset = tile * NativeSequenceCache.KeyTile;
            (a0 * s).Store(scores + offset);
            (a1 * s).Store(scores + stride + offset);
            (a2 * s).Store(scores + 2 * stride + offset);
            (a3 * s).Store(scores + 3 * stride + offset);
        }
    }

    /// <summary>Sixteen cached values (one key-tile row) widened to float32.</summary>
    private interface IKeyFormat
    {
        static abstract Vector512<float> Load(byte* cache, long element);
    }

    private struct SingleKeys : IKeyFormat
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(byte* cache, long element) => Vector512.Load((float*)cache + element);
    }

    private struct HalfKeys : IKeyFormat
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(byte* cache, long element) => FloatKernels.HalfToSingle(Vector256.Load((ushort*)cache + element));
    }

    private float* Query(int n, int h) => queries + ((long)n * heads + h) * headDim;

    /// <summary>y_j[c … c+63] = Σ_t p_j[t]·V[t][c … c+63] for the block's tokens: each value row loaded once for four.</summary>
    private void AccumulateBlockValues(float* p, int stride, byte* values, bool half, int length, int c, int first, int count, int h)
    {
        Vector512<float> y00 = default, y01 = default, y02 = default, y03 = default, y10 = default, y11 = default, y12 = default, y13 = default;
        Vector512<float> y20 = default, y21 = default, y22 = default, y23 = default, y30 = default, y31 = default, y32 = default, y33 = default;
        for (int t = 0; t < length; t++)
        {
            long at = (long)t * headDim + c;
            Vector512<float> v0, v1, v2, v3;
            if (half)
            {
                ushort* v = (ushort*)values + at;
                v0 = FloatKernels.HalfToSingle(Vector256.Load(v));
                v1 = FloatKernels.HalfToSingle(Vector256.Load(v + 16));
                v2 = FloatKernels.HalfToSingle(Vector256.Load(v + 32));
                v3 = FloatKernels.HalfToSingle(Vector256.Load(v + 48));
            }
            else
            {
                float* v = (float*)values + at;
                v0 = Vector512.Load(v);
                v1 = Vector512.Load(v + 16);
                v2 = Vector512.Load(v + 32);
                v3 = Vector512.Load(v + 48);
            }
            var w = Vector512.Create(p[t]);
            y00 = Avx512F.FusedMultiplyAdd(w, v0, y00); y01 = Avx512F.FusedMultiplyAdd(w, v1, y01);
            y02 = Avx512F.FusedMultiplyAdd(w, v2, y02); y03 = Avx512F.FusedMultiplyAdd(w, v3, y03);
            w = Vector512.Create(p[stride + t]);
            y10 = Avx512F.FusedMultiplyAdd(w, v0, y10); y11 = Avx512F.FusedMultiplyAdd(w, v1, y11);
            y12 = Avx512F.FusedMultiplyAdd(w, v2, y12); y13 = Avx512F.FusedMultiplyAdd(w, v3, y13);
            w = Vector512.Create(p[2 * stride + t]);
            y20 = Avx512F.FusedMultiplyAdd(w, v0, y20); y21 = Avx512F.FusedMultiplyAdd(w, v1, y21);
            y22 = Avx512F.FusedMultiplyAdd(w, v2, y22); y23 = Avx512F.FusedMultiplyAdd(w, v3, y23);
            w = Vector512.Create(p[3 * stride + t]);
            y30 = Avx512F.FusedMultiplyAdd(w, v0, y30); y31 = Avx512F.FusedMultiplyAdd(w, v1, y31);
            y32 = Avx512F.FusedMultiplyAdd(w, v2, y32); y33 = Avx512F.FusedMultiplyAdd(w, v3, y33);
        }
        Store(first, h, c, y00, y01, y02, y03);
        if (count > 1) Store(first + 1, h, c, y10, y11, y12, y13);
        if (count > 2) Store(first + 2, h, c, y20, y21, y22, y23);
        if (count > 3) Store(first + 3, h, c, y30, y31, y32, y33);
    }

    private void Store(int n, int h, int c, Vector512<float> a, Vector512<float> b, Vector512<float> d, Vector512<float> e)
    {
        float* y = output + ((long)n * heads + h) * headDim + c;
        a.Store(y);
        b.Store(y + 16);
        d.Store(y + 32);
        e.Store(y + 48);
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
