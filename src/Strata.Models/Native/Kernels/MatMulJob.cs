using Strata.Models.Quantization;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// y[n, r] = W[r] · x[n] (+ bias[r]) for every token n and row r of up to three matrices that share one input (fused
/// Q/K/V, fused gate/up): their rows form one range split evenly across the pool's threads, so each thread reads its
/// own slice of the weights once per step whatever the number of tokens.
/// </summary>
internal sealed unsafe class MatMulJob : IParallelJob
{
    private const int RowGranularity = 16;
    private readonly Segment[] segments = new Segment[3];
    private int count, totalRows, tokens;
    private float* input;
    private QuantizedActivations quantized;

    private struct Segment
    {
        public WeightMatrix Weights;
        public float* Output;
        public int OutputStride;
        public float* Bias;
        public int FirstRow;
    }

    /// <summary>Starts a product over <paramref name="tokenCount"/> tokens of float <paramref name="x"/> and/or its quantized form.</summary>
    public void Begin(int tokenCount, float* x, QuantizedActivations q)
    {
        count = 0;
        totalRows = 0;
        tokens = tokenCount;
        input = x;
        quantized = q;
    }

    /// <summary>Adds a matrix whose results go to <paramref name="output"/> (row stride <paramref name="stride"/> floats per token).</summary>
    public void Add(WeightMatrix weights, float* output, int stride, float* bias = null)
    {
        segments[count++] = new Segment { Weights = weights, Output = output, OutputStride = stride, Bias = bias, FirstRow = totalRows };
        totalRows += weights.Rows;
    }

    public void Execute(int part, int parts)
    {
        var (start, end) = WorkerPool.Share(totalRows, part, parts, RowGranularity);
        for (int s = 0; s < count; s++)
        {
            ref var segment = ref segments[s];
            int from = Math.Max(start, segment.FirstRow) - segment.FirstRow;
            int to = Math.Min(end, segment.FirstRow + segment.Weights.Rows) - segment.FirstRow;
            if (from < to) Compute(ref segment, from, to);
        }
    }

    private void Compute(ref Segment s, int from, int to)
    {
        var w = s.Weights;
        int columns = w.Columns;
        if (Isa.Avx512 && w.Type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 && columns % 16 == 0)
        {
            from = ComputeFloatTiles(ref s, from, to);
        }
        else if (Isa.AvxVnni && w.Type is GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0)
        {
            from = ComputeQuantizedTiles(ref s, from, to);
        }
        else if (Isa.AvxVnni && w.Type is GgmlType.Q4_K or GgmlType.Q6_K)
        {
            from = ComputeKQuantTiles(ref s, from, to);
            if (from == to) return;
        }
        for (int r = from; r < to; r++)
        {
            byte* row = w.Row(r);
            float bias = s.Bias == null ? 0 : s.Bias[r];
            for (int n = 0; n < tokens; n++)
            {
                float* x = input + (long)n * columns;
                float value = w.Type switch
                {
                    GgmlType.F32 => FloatKernels.DotF32((float*)row, x, columns),
                    GgmlType.F16 => FloatKernels.DotF16((ushort*)row, x, columns),
                    GgmlType.BF16 => FloatKernels.DotBF16((ushort*)row, x, columns),
                    GgmlType.Q8_0 => QuantizedDot.DotQ8_0(row, quantized.RowValues(n), quantized.RowScales(n), columns),
                    GgmlType.Q4_0 => QuantizedDot.DotQ4_0(row, quantized.RowValues(n), quantized.RowScales(n), quantized.RowSums(n), columns),
                    GgmlType.Q5_0 => QuantizedDot.DotQ5_0(row, quantized.RowValues(n), quantized.RowScales(n), quantized.RowSums(n), columns),
                    GgmlType.Q4_K => QuantizedDot.DotQ4_K(row, quantized.RowValues(n), quantized.RowScales(n), quantized.RowSums(n), columns),
                    GgmlType.Q6_K => QuantizedDot.DotQ6_K(row, quantized.RowValues(n), quantized.RowScales(n), quantized.RowSums(n), columns),
                    _ => throw new NotSupportedException($"tensor type {w.Type}"),
                };
                s.Output[(long)n * s.OutputStride + r] = value + bias;
            }
        }
    }

    /// <summary>Rows in blocks of four through <see cref="FloatTiles"/>; returns the first row left for the plain loop.</summary>
    private int ComputeFloatTiles(ref Segment s, int from, int to)
    {
        var w = s.Weights;
        int type = w.Type == GgmlType.F32 ? 0 : w.Type == GgmlType.F16 ? 1 : 2;
        float* sums = stackalloc float[16];
        int r = from;
        for (; r + 4 <= to; r += 4)
        {
            byte* rows = w.Row(r);
            int n = 0;
            for (; n + 4 <= tokens; n += 4)
            {
                FloatTiles.Tile4x4(rows, w.RowBytes, type, input + (long)n * w.Columns, w.Columns, w.Columns, sums);
                for (int t = 0; t < 4; t++) Store(ref s, n + t, r, sums + 4 * t);
            }
            for (; n < tokens; n++)
            {
                FloatTiles.Tile4x1(rows, w.RowBytes, type, input + (long)n * w.Columns, w.Columns, sums);
                Store(ref s, n, r, sums);
            }
        }
        return r;
    }

    /// <summary>Rows in blocks of four through <see cref="QuantizedTiles"/>; returns the first row left for the plain loop.</summary>
    private int ComputeQuantizedTiles(ref Segment s, int from, int to)
    {
        var w = s.Weights;
        int blocks = w.Columns / 32;
        long xStride = quantized.Columns, sStride = quantized.Columns / 32;
        float* sums = stackalloc float[16];
        int r = from;
        for (; r + 4 <= to; r += 4)
        {
            byte* rows = w.Row(r);
            int n = 0;
            for (; n + 4 <= tokens; n += 4)
            {
                sbyte* x = quantized.RowValues(n);
                float* xs = quantized.RowScales(n);
                switch (w.Type)
                {
                    case GgmlType.Q4_0: QuantizedTiles.Offset4x4<Q4_0Blocks>(rows, w.RowBytes, x, xStride, xs, sStride, blocks, sums); break;
                    case GgmlType.Q5_0: QuantizedTiles.Offset4x4<Q5_0Blocks>(rows, w.RowBytes, x, xStride, xs, sStride, blocks, sums); break;
                    default: QuantizedTiles.Q8_0x4(rows, w.RowBytes, x, xStride, xs, sStride, blocks, sums); break;
                }
                for (int t = 0; t < 4; t++) Store(ref s, n + t, r, sums + 4 * t);
            }
            for (; n < tokens; n++)
            {
                sbyte* x = quantized.RowValues(n);
                float* xs = quantized.RowScales(n);
                switch (w.Type)
                {
                    case GgmlType.Q4_0: QuantizedTiles.Offset4x1<Q4_0Blocks>(rows, w.RowBytes, x, xs, blocks, sums); break;
                    case GgmlType.Q5_0: QuantizedTiles.Offset4x1<Q5_0Blocks>(rows, w.RowBytes, x, xs, blocks, sums); break;
                    default: QuantizedTiles.Q8_0x1(rows, w.RowBytes, x, xs, blocks, sums); break;
                }
                Store(ref s, n, r, sums);
            }
        }
        return r;
    }

    /// <summary>
    /// K-quant rows: with four tokens or more, one row against four tokens at a time (the leftover tokens take the plain
    /// kernel); with fewer, four rows against each token. Returns the first row left for the plain loop.
    /// </summary>
    private int ComputeKQuantTiles(ref Segment s, int from, int to)
    {
        var w = s.Weights;
        int superBlocks = w.Columns / 256;
        long xStride = quantized.Columns, sStride = quantized.Columns / 32, sumStride = quantized.Columns / 16;
        float* sums = stackalloc float[4];
        if (tokens >= 4)
        {
            int whole = tokens / 4 * 4;
            for (int r = from; r < to; r++)
            {
                byte* row = w.Row(r);
                for (int n = 0; n < whole; n += 4)
                {
                    if (w.Type == GgmlType.Q4_K) KQuantTiles.Q4_K1x4(row, quantized.RowValues(n), xStride, quantized.RowScales(n), sStride, quantized.RowSums(n), sumStride, superBlocks, sums);
                    else KQuantTiles.Q6_K1x4(row, quantized.RowValues(n), xStride, quantized.RowScales(n), sStride, superBlocks, sums);
                    for (int t = 0; t < 4; t++) s.Output[(long)(n + t) * s.OutputStride + r] = sums[t] + (s.Bias == null ? 0 : s.Bias[r]);
                }
                for (int n = whole; n < tokens; n++)
                {
                    float value = w.Type == GgmlType.Q4_K
                        ? QuantizedDot.DotQ4_K(row, quantized.RowValues(n), quantized.RowScales(n), quantized.RowSums(n), w.Columns)
                        : QuantizedDot.DotQ6_K(row, quantized.RowValues(n), quantized.RowScales(n), quantized.RowSums(n), w.Columns);
                    s.Output[(long)n * s.OutputStride + r] = value + (s.Bias == null ? 0 : s.Bias[r]);
                }
            }
            return to;
        }
        int r4 = from;
        for (; r4 + 4 <= to; r4 += 4)
        {
            byte* rows = w.Row(r4);
            for (int n = 0; n < tokens; n++)
            {
                if (w.Type == GgmlType.Q4_K) KQuantTiles.Q4_K4x1(rows, w.RowBytes, quantized.RowValues(n), quantized.RowScales(n), quantized.RowSums(n), superBlocks, sums);
                else KQuantTiles.Q6_K4x1(rows, w.RowBytes, quantized.RowValues(n), quantized.RowScales(n), superBlocks, sums);
                Store(ref s, n, r4, sums);
            }
        }
        return r4;
    }

    private static void Store(ref Segment s, int token, int row, float* four)
    {
        float* y = s.Output + (long)token * s.OutputStride + row;
        for (int i = 0; i < 4; i++) y[i] = four[i] + (s.Bias == null ? 0 : s.Bias[row + i]);
    }
}
