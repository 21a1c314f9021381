using Strata.Models.Quantization;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// y[n, r] = W[r] · x[n] (+ bias[r]) for every token n and row r of up to three matrices that share one input (fused
/// Q/K/V, fused gate/up): their rows form one range split evenly across the pool's threads, so each thread reads its
/// own slice of the weights once per step whatever the number of tokens.
/// </summary>
internal sealed unsafe class MatMulJob : IParallelJob, IDisposable
{
    private const int RowGranularity = 16;
    private readonly Segment[] segments = new Segment[3];
    private readonly NativeBuffer[] scratches;
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

    public void Execute(int part, int parts, int thread)
    {
        var (start, end) = WorkerPool.Share(totalRows, part, parts, RowGranularity);
        for (int s = 0; s < count; s++)
        {
            ref var segment = ref segments[s];
            int from = Math.Max(start, segment.FirstRow) - segment.FirstRow;
            int to = Math.Min(end, segment.FirstRow + segment.Weights.Rows) - segment.FirstRow;
            if (from < to) Compute(ref segment, from, to, scratches[thread]);
        }
    }

    /// <param name="threads">Threads of the pool that runs this job (one scratch buffer each).</param>
    public MatMulJob(int threads) => scratches = Enumerable.Range(0, threads).Select(_ => new NativeBuffer()).ToArray();

    private void Compute(ref Segment s, int from, int to, NativeBuffer scratch)
    {
        var w = s.Weights;
        int columns = w.Columns;
        if (w.Packed is not null)
        {
            ComputePacked(ref s, from, to);
            return;
        }
        if (Isa.Avx512 && w.Type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 && columns % 16 == 0)
        {
            from = ComputeFloatTiles(ref s, from, to, scratch);
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
    private int ComputeFloatTiles(ref Segment s, int from, int to, NativeBuffer scratch)
    {
        var w = s.Weights;
        var format = w.Type switch { GgmlType.F32 => RowFormat.Single, GgmlType.F16 => RowFormat.Half, _ => RowFormat.BFloat };
        float* sums = stackalloc float[16];
        // Half-precision rows serving several tokens are widened once into float32 scratch, not once per token tile.
        bool widen = format != RowFormat.Single && tokens >= 4;
        float* wide = widen ? scratch.Floats(4L * w.Columns) : null;
        long rowBytes = widen ? 4L * w.Columns : w.RowBytes;
        // Fewer tokens read F16 rows in place, widened without a per-vector check and corrected from the list.
        var corrections = !widen && format == RowFormat.Half ? w.HalfCorrections : null;
        if (corrections is not null) format = RowFormat.HalfNormal;
        int whole = from + (to - from) / 4 * 4;
        if (format == RowFormat.Single && tokens >= 2 * TokenBlock)
        {
            ComputeFloatBlocked(ref s, from, whole, sums);
            return whole;
        }
        int r = from;
        for (; r + 4 <= to; r += 4)
        {
            byte* rows = w.Row(r);
            if (widen)
            {
                for (int i = 0; i < 4; i++) w.DequantizeRow(r + i, wide + (long)i * w.Columns);
                rows = (byte*)wide;
            }
            int n = 0;
            for (; n + 4 <= tokens; n += 4)
            {
                FloatTiles.Tile4x4(rows, rowBytes, widen ? RowFormat.Single : format, input + (long)n * w.Columns, w.Columns, w.Columns, sums);
                for (int t = 0; t < 4; t++) Store(ref s, n + t, r, sums + 4 * t);
            }
            for (; n < tokens; n++)
            {
                FloatTiles.Tile4x1(rows, rowBytes, widen ? RowFormat.Single : format, input + (long)n * w.Columns, w.Columns, sums);
                Store(ref s, n, r, sums);
            }
        }
        if (corrections is not null)
        {
            for (int n = 0; n < tokens; n++) corrections.Subtract(from, r, input + (long)n * w.Columns, s.Output + (long)n * s.OutputStride);
        }
        return r;
    }

    // Tokens whose activations stay in L1 (12 × a 576-wide row = 27 KiB) while every row block of the share passes over
    // them: each weight row is then read from L2 once per 12 tokens instead of each activation once per 4 rows.
    private const int TokenBlock = 12;

    /// <summary>Float32 rows [from, to) (a multiple of four) against blocks of <see cref="TokenBlock"/> tokens.</summary>
    private void ComputeFloatBlocked(ref Segment s, int from, int to, float* sums)
    {
        var w = s.Weights;
        for (int block = 0; block < tokens; block += TokenBlock)
        {
            int end = Math.Min(tokens, block + TokenBlock);
            for (int r = from; r < to; r += 4)
            {
                byte* rows = w.Row(r);
                int n = block;
                for (; n + 4 <= end; n += 4)
                {
                    FloatTiles.Tile4x4(rows, w.RowBytes, RowFormat.Single, input + (long)n * w.Columns, w.Columns, w.Columns, sums);
                    for (int t = 0; t < 4; t++) Store(ref s, n + t, r, sums + 4 * t);
                }
                for (; n < end; n++)
                {
                    FloatTiles.Tile4x1(rows, w.RowBytes, RowFormat.Single, input + (long)n * w.Columns, w.Columns, sums);
                    Store(ref s, n, r, sums);
                }
            }
        }
    }

    /// <summary>Rows [from, to) from the packed copy: groups of eight rows, four tokens at a time, then the rest one by one.</summary>
    private void ComputePacked(ref Segment s, int from, int to)
    {
        var packed = s.Weights.Packed!;
        long xStride = quantized.Columns, sStride = quantized.Columns / 32, sumStride = quantized.Columns / 16;
        float* results = stackalloc float[32];
        for (int group = from / 8; group * 8 < to; group++)
        {
            int first = Math.Max(from, group * 8), last = Math.Min(to, group * 8 + 8);
            int n = 0;
            for (; n + 4 <= tokens; n += 4)
            {
                PackedKernels.Four(packed, group, quantized.RowValues(n), xStride, quantized.RowScales(n), sStride, quantized.RowSums(n), sumStride, results);
                for (int t = 0; t < 4; t++) StoreGroup(ref s, n + t, group, first, last, results + 8 * t);
            }
            for (; n < tokens; n++)
            {
                PackedKernels.One(packed, group, quantized.RowValues(n), quantized.RowScales(n), quantized.RowSums(n), results);
                StoreGroup(ref s, n, group, first, last, results);
            }
        }
    }

    private static void StoreGroup(ref Segment s, int token, int group, int first, int last, float* eight)
    {
        float* y = s.Output + (long)token * s.OutputStride;
        for (int row = first; row < last; row++) y[row] = eight[row - group * 8] + (s.Bias == null ? 0 : s.Bias[row]);
    }

    private static void Store(ref Segment s, int token, int row, float* four)
    {
        float* y = s.Output + (long)token * s.OutputStride + row;
        for (int i = 0; i < 4; i++) y[i] = four[i] + (s.Bias == null ? 0 : s.Bias[row + i]);
    }

    public void Dispose()
    {
        foreach (var buffer in scratches) buffer.Dispose();
    }
}
