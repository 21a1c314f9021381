using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Strata.Models.Native.Kernels;

/// <summary>
/// Every IEEE half as a float, for the per-block scales of quantized weights: .NET converts <see cref="Half"/> in
/// software (no F16C intrinsic is exposed), which cost more than the block's integer product; one load from this
/// 256 KiB table costs less, and the scales of a real model touch only a few of its cache lines.
/// </summary>
internal static unsafe class HalfTable
{
    private static readonly float* Table = Build();

    private static float* Build()
    {
        var table = (float*)NativeMemory.AlignedAlloc(65536 * sizeof(float), 64);
        for (int i = 0; i < 65536; i++) table[i] = (float)BitConverter.UInt16BitsToHalf((ushort)i);
        return table;
    }

    /// <summary>The half at <paramref name="p"/> as a float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float At(byte* p) => Table[*(ushort*)p];
}
