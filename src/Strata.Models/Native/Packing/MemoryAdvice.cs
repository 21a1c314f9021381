using System.Runtime.InteropServices;

namespace Strata.Models.Native.Packing;

/// <summary>madvise(2) on Linux: lets the kernel drop pages of a read-only file mapping from this process (no-op elsewhere).</summary>
internal static unsafe partial class MemoryAdvice
{
    private const int MadvDontNeed = 4;

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>Advises that [<paramref name="start"/>, +<paramref name="length"/>) is not needed; whole pages inside it only.</summary>
    public static void DontNeed(byte* start, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        long page = Environment.SystemPageSize;
        long first = ((long)start + page - 1) / page * page;
        long last = ((long)start + length) / page * page;
        if (last <= first) return;
        try
        {
            _ = Madvise((nint)first, (nuint)(last - first), MadvDontNeed);
        }
        catch (DllNotFoundException)
        {
            // Not fatal: the pages then stay resident, as without packing.
        }
    }
}
