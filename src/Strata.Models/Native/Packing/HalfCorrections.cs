using System.Runtime.Intrinsics;
using Strata.Models.Native.Kernels;
using Strata.Models.Quantization;

namespace Strata.Models.Native.Packing;

/// <summary>
/// The halves of an F16 matrix whose exponent field is zero (zeros and subnormals), listed once at load with the error
/// that <see cref="FloatKernels.HalfToSingleNormal"/> makes on each, so the one-token product can widen every half in
/// four integer operations and subtract Σ error·x over the list afterwards. Checking every loaded vector for such a half
/// instead cost a fifth of F16 decode speed (docs/performance.md). Trained and random weights alike hold a few tenths of
/// a percent of them; a matrix with more than <see cref="MaximumShare"/> (pruned, mostly-zero) gets no list and keeps the
/// checked widening.
/// </summary>
internal sealed unsafe class HalfCorrections
{
    /// <summary>Above this share of zero-exponent halves the list would cost more than the check it replaces.</summary>
    public const double MaximumShare = 0.02;

    // Pinned, and read through pointers: the list is walked once per row per token on the decode path.
    private readonly int[] rowStarts;
    private readonly Entry[] entries;

    private readonly record struct Entry(int Column, float Error);

    private HalfCorrections(int[] rowStarts, Entry[] entries)
    {
        this.rowStarts = rowStarts;
        this.entries = entries;
    }

    /// <summary>How many halves the list corrects.</summary>
    public int Count => entries.Length;

    /// <summary>The list for an F16 matrix, or null when it holds too many zero-exponent halves.</summary>
    public static HalfCorrections? Build(WeightMatrix matrix)
    {
        if (matrix.Type != GgmlType.F16) throw new ArgumentException($"{matrix.Type} is not F16", nameof(matrix));
        long limit = (long)(MaximumShare * matrix.Rows * matrix.Columns);
        var rowStarts = GC.AllocateUninitializedArray<int>(matrix.Rows + 1, pinned: true);
        var found = new List<Entry>();
        for (int r = 0; r < matrix.Rows; r++)
        {
            rowStarts[r] = found.Count;
            ushort* row = (ushort*)matrix.Row(r);
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; i + 32 <= matrix.Columns; i += 32)
                {
                    var exponents = Vector512.Load(row + i) & Vector512.Create((ushort)0x7C00);
                    ulong zero = Vector512.Equals(exponents, Vector512<ushort>.Zero).ExtractMostSignificantBits();
                    while (zero != 0)
                    {
                        int lane = System.Numerics.BitOperations.TrailingZeroCount(zero);
                        found.Add(new Entry(i + lane, Error(row[i + lane])));
                        zero &= zero - 1;
                    }
                }
            }
            for (; i < matrix.Columns; i++)
            {
                if ((row[i] & 0x7C00) == 0) found.Add(new Entry(i, Error(row[i])));
            }
            if (found.Count > limit) return null;
        }
        rowStarts[matrix.Rows] = found.Count;
        var entries = GC.AllocateUninitializedArray<Entry>(found.Count, pinned: true);
        found.CopyTo(entries);
        return new HalfCorrections(rowStarts, entries);
    }

    /// <summary>
    /// y[r] −= Σ error·x over the list of each row r in [<paramref name="firstRow"/>, <paramref name="endRow"/>): one pass
    /// per share of rows and token, after its fast products (a call per row cost 7% of F16 decode), each row's few terms
    /// summed in a register so that rows overlap instead of queueing on stores to y.
    /// </summary>
    public void Subtract(int firstRow, int endRow, float* x, float* y)
    {
        fixed (Entry* entry = entries)
        fixed (int* starts = rowStarts)
        {
            for (int r = firstRow; r < endRow; r++)
            {
                int k = starts[r], end = starts[r + 1];
                if (k == end) continue;
                float sum = 0;
                for (; k < end; k++) sum += entry[k].Error * x[entry[k].Column];
                y[r] -= sum;
            }
        }
    }

    /// <summary>What the fast widening gives for a zero-exponent half minus its true value.</summary>
    private static float Error(ushort half)
    {
        int wide = (short)half;
        float fast = BitConverter.Int32BitsToSingle(((wide << 13) & unchecked((int)0x8FFFE000)) + 0x38000000);
        return fast - (float)BitConverter.UInt16BitsToHalf(half);
    }
}
