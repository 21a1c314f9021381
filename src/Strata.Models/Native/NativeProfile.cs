using System.Diagnostics;

namespace Strata.Models.Native;

/// <summary>
/// Where a forward pass spends its time, by phase, when <c>STRATA_NATIVE_PROFILE=1</c> (benchmarks print it). Off by
/// default: the check is a static readonly flag the JIT folds away.
/// </summary>
public static class NativeProfile
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("STRATA_NATIVE_PROFILE") == "1";

    internal enum Phase { Embed, Norm, Qkv, Rope, Attention, Output, GateUp, SwiGlu, Down, Head }

    private static readonly long[] Ticks = new long[Enum.GetValues<Phase>().Length];

    internal static long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    internal static void Stop(Phase phase, long started)
    {
        if (Enabled) Ticks[(int)phase] += Stopwatch.GetTimestamp() - started;
    }

    public static void Reset() => Array.Clear(Ticks);

    /// <summary>Milliseconds per phase since the last <see cref="Reset"/>, largest first.</summary>
    public static string Report()
    {
        double total = Ticks.Sum();
        return string.Join(", ", Enum.GetValues<Phase>().OrderByDescending(p => Ticks[(int)p])
            .Select(p => $"{p} {Ticks[(int)p] * 1000.0 / Stopwatch.Frequency:F0} ms ({100 * Ticks[(int)p] / Math.Max(total, 1):F0}%)"));
    }
}
