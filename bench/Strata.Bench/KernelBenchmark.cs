using System.Diagnostics;
using System.Runtime.InteropServices;
using Strata.Models.Native;
using Strata.Models.Native.Kernels;
using Strata.Models.Native.Packing;
using Strata.Models.Quantization;

namespace Strata.Bench;

/// <summary>
/// One matrix-vector product (the decode step's unit of work) per weight format, on the pool the runtime uses:
/// a 1536 × 576 matrix times one token, repeated over 64 copies so the weights come from memory, not cache. Reports
/// weights per second and GB/s per format, to see which formats are compute- and which memory-bound.
///   kernels [--rows 1536] [--columns 576] [--copies 64] [--threads N]
/// </summary>
internal static unsafe class KernelBenchmark
{
    // F16 twice: as loaded (corrections list) and with every vector checked for zero exponents instead.
    private static IEnumerable<(GgmlType Type, string Variant)> Variants(GgmlType type) =>
        type == GgmlType.F16 ? [(type, ""), (type, " (checked)")] : [(type, "")];

    public static void Run(Arguments args)
    {
        int rows = args.Int("--rows", 1536), columns = args.Int("--columns", 576), copies = args.Int("--copies", 64);
        using var pool = new WorkerPool(args.Int("--threads", Environment.ProcessorCount));
        var random = new Random(1);
        var x = Enumerable.Range(0, columns).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var row = new float[columns];
        var formats = new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q6_K };
        // Twice over: the first pass also warms up (tier-1 compilation of every kernel).
        foreach (var (type, variant) in formats.Concat(formats).SelectMany(Variants))
        {
            if (GgmlTypes.BlockSize(type) > columns || columns % GgmlTypes.BlockSize(type) != 0) continue;
            long rowBytes = GgmlTypes.RowBytes(type, columns);
            var matrices = new List<(WeightMatrix Matrix, nint Memory)>();
            for (int c = 0; c < copies; c++)
            {
                byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)(rows * rowBytes), 64);
                for (int r = 0; r < rows; r++)
                {
                    for (int i = 0; i < columns; i++) row[i] = (float)(random.NextDouble() * 0.04 - 0.02);
                    Quantizer.QuantizeRow(type, row, new Span<byte>(data + r * rowBytes, (int)rowBytes));
                }
                var matrix = new WeightMatrix(data, type, rows, columns, rowBytes);
                if (PackedMatrix.CanPack(type) && PackedKernels.Supported(PackedMatrix.FormatOf(type)))
                {
                    matrix = new WeightMatrix(data, type, rows, columns, rowBytes, PackedMatrix.Pack(matrix));
                }
                if (variant == "")
                {
                    // As NativeWeights loads it: zero-exponent halves listed, rows widened without a check.
                    if (type == GgmlType.F16) matrix = new WeightMatrix(data, type, rows, columns, rowBytes, halfCorrections: HalfCorrections.Build(matrix));
                }
                matrices.Add((matrix, (nint)data));
            }
            var q = new QuantizedActivations((sbyte*)NativeMemory.AlignedAlloc((nuint)columns, 64), (float*)NativeMemory.AlignedAlloc((nuint)(columns / 32 * 4), 64),
                (short*)NativeMemory.AlignedAlloc((nuint)(columns / 16 * 2), 64), columns);
            var output = new float[rows];
            using var job = new MatMulJob(pool.Threads);
            fixed (float* px = x)
            fixed (float* py = output)
            {
                q.Quantize(0, px);
                var times = new List<double>();
                for (int rep = 0; rep < 40; rep++)
                {
                    var clock = Stopwatch.StartNew();
                    foreach (var (matrix, _) in matrices)
                    {
                        job.Begin(1, px, q);
                        job.Add(matrix, py, rows);
                        pool.Run(job);
                    }
                    if (rep >= 20) times.Add(clock.Elapsed.TotalSeconds);   // after tier-1 compilation
                }
                double seconds = Arguments.Median(times);
                double weights = (double)rows * columns * copies;
                double bytes = matrices.Sum(m => (double)m.Matrix.Bytes);
                Console.WriteLine($"{GgmlTypes.Name(type) + variant,-13} {weights / seconds / 1e9,6:F2} G weights/s  {bytes / seconds / 1e9,6:F1} GB/s  ({seconds / copies * 1e6:F0} µs per {rows}×{columns} product)");
            }
            foreach (var (matrix, memory) in matrices)
            {
                matrix.Packed?.Dispose();
                NativeMemory.AlignedFree((void*)memory);
            }
        }
    }
}
