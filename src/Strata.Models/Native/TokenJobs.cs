using Strata.Models.Native.Kernels;

namespace Strata.Models.Native;

/// <summary>Per-token work (norms, gating, rotation) split across threads by token; a single token runs inline.</summary>
internal abstract class TokenJob : IParallelJob
{
    public int Tokens;

    public void Execute(int part, int parts, int thread)
    {
        var (start, end) = WorkerPool.Share(Tokens, part, parts);
        for (int n = start; n < end; n++) Row(n);
    }

    protected abstract void Row(int n);

    /// <summary>Runs over <see cref="Tokens"/> tokens: on the pool when there are enough to share, else on the caller.</summary>
    public void RunOn(WorkerPool pool)
    {
        if (Tokens >= 4) pool.Run(this);
        else Execute(0, 1, 0);
    }
}

/// <summary>x += delta (the residual), then xn = RMSNorm(x)·w, then xn quantized for the next products when they need it.</summary>
internal sealed unsafe class ResidualNormJob : TokenJob
{
    public float* X, Delta, Weight, Normed;
    public int Width;
    public float Epsilon;
    public bool Quantize;
    public QuantizedActivations Quantized;

    protected override void Row(int n)
    {
        float* x = X + (long)n * Width;
        if (Delta != null) VectorOps.Add(x, Delta + (long)n * Width, Width);
        if (Weight == null) return;
        float* y = Normed + (long)n * Width;
        VectorOps.RmsNorm(x, Weight, y, Width, Epsilon);
        if (Quantize) Quantized.Quantize(n, y);
    }
}

/// <summary>gate = silu(gate)·up, quantized for the down projection when it needs it.</summary>
internal sealed unsafe class SwiGluJob : TokenJob
{
    public float* Gate, Up;
    public int Width;
    public bool Quantize;
    public QuantizedActivations Quantized;

    protected override void Row(int n)
    {
        float* gate = Gate + (long)n * Width;
        VectorOps.SiluMul(gate, Up + (long)n * Width, Width);
        if (Quantize) Quantized.Quantize(n, gate);
    }
}

/// <summary>Quantizes rows of floats (attention output before o_proj).</summary>
internal sealed unsafe class QuantizeJob : TokenJob
{
    public float* Source;
    public int Width;
    public QuantizedActivations Quantized;

    protected override void Row(int n) => Quantized.Quantize(n, Source + (long)n * Width);
}

/// <summary>Rotates each token's query and key heads to its position and writes its keys and values into its cache.</summary>
internal sealed unsafe class RopeStoreJob(int heads, int kvHeads, int headDim, bool adjacentPairs) : TokenJob
{
    public float* Queries, Keys, Values;
    public int Layer;
    public NativeSequenceCache[] Caches = [];
    public int[] Positions = [];
    public RopeTable? Rope;

    protected override void Row(int n)
    {
        int position = Positions[n];
        float* q = Queries + (long)n * heads * headDim;
        float* k = Keys + (long)n * kvHeads * headDim;
        float* v = Values + (long)n * kvHeads * headDim;
        if (Rope is not null)
        {
            fixed (float* cos = &Rope.Cos[position * Rope.Half], sin = &Rope.Sin[position * Rope.Half])
            {
                for (int h = 0; h < heads; h++) VectorOps.Rope(q + h * headDim, cos, sin, headDim, adjacentPairs);
                for (int h = 0; h < kvHeads; h++) VectorOps.Rope(k + h * headDim, cos, sin, headDim, adjacentPairs);
            }
        }
        var cache = Caches[n];
        for (int h = 0; h < kvHeads; h++)
        {
            StoreKey(k + h * headDim, cache.Head(Layer, values: false, h), position, cache.ElementBytes);
            Store(v + h * headDim, cache.Head(Layer, values: true, h), position, cache.ElementBytes);
        }
    }

    /// <summary>A key into its transposed tile: dimension d of position p at [p / 16][d][p % 16].</summary>
    private void StoreKey(float* source, byte* head, int position, int elementBytes)
    {
        long tile = (long)(position / NativeSequenceCache.KeyTile) * NativeSequenceCache.KeyTile * headDim;
        int slot = position % NativeSequenceCache.KeyTile;
        for (int d = 0; d < headDim; d++)
        {
            long at = tile + (long)d * NativeSequenceCache.KeyTile + slot;
            if (elementBytes == 2) ((ushort*)head)[at] = BitConverter.HalfToUInt16Bits((Half)source[d]);
            else ((float*)head)[at] = source[d];
        }
    }

    private void Store(float* source, byte* head, int position, int elementBytes)
    {
        if (elementBytes == 2) FloatKernels.SingleToHalf(source, (ushort*)head + (long)position * headDim, headDim);
        else Buffer.MemoryCopy(source, (float*)head + (long)position * headDim, headDim * 4L, headDim * 4L);
    }
}
