using System.Diagnostics;
using System.Globalization;

namespace Strata.Bench;

/// <summary>Peak resident memory of this process, resettable on Linux so each measured run reports its own peak.</summary>
internal static class ProcessMemory
{
    // Linux resets the VmHWM high-water mark when "5" is written to clear_refs.
    public static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // not Linux: the peak then covers the whole process
        }
    }

    /// <summary>Resident memory now (VmRSS).</summary>
    public static long CurrentBytes()
    {
        if (!File.Exists("/proc/self/status")) return Process.GetCurrentProcess().WorkingSet64;
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public static long PeakBytes()
    {
        if (!File.Exists("/proc/self/status")) return Process.GetCurrentProcess().PeakWorkingSet64;
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
