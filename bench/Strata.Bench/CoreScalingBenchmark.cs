using System.Diagnostics;
using System.Runtime;

namespace Strata.Bench;

/// <summary>
/// What two cores give on this machine, for kernels that do not allocate (integer arithmetic, cache-resident and
/// DRAM-bound random reads, dictionary counting) and for kernels that do (short strings, <c>string.Split</c>): the
/// same work on one thread, then on two at once. Separates the hardware's scaling from the garbage collector's, which
/// is what the data pipeline's two-worker figure depends on. Run it under different GC settings to compare, e.g.
/// <c>DOTNET_gcServer=1 DOTNET_GCDynamicAdaptationMode=0</c> or <c>DOTNET_GCgen0size=0x4000000</c>.
/// <code>dotnet run -c Release --project bench/Strata.Bench -- cores</code>
/// </summary>
internal static class CoreScalingBenchmark
{
    public static void Run(Arguments args)
    {
        Console.WriteLine($"{Environment.ProcessorCount} cores; server GC {GCSettings.IsServerGC}, latency mode {GCSettings.LatencyMode}");
        var cacheResident = new int[1 << 14];
        var dramResident = new int[1 << 24];
        string text = string.Join(' ', Enumerable.Range(0, 1000).Select(i => "word" + (i % 97)));
        Measure("integer arithmetic (xorshift)", () => Xorshift(400_000_000));
        Measure("random reads, 64 KB array", () => RandomReads(cacheResident, 200_000_000));
        Measure("random reads, 64 MB array", () => RandomReads(dramResident, 40_000_000));
        Measure("dictionary counting, reused", () => DictionaryCounting(60_000_000));
        Measure("allocating short strings", () => ShortStrings(60_000_000));
        Measure("string.Split of 1,000 words", () => Split(text, 20_000));
    }

    private static void Measure(string name, Func<long> work)
    {
        work();   // JIT and first-touch
        long gen0 = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        work();
        double one = clock.Elapsed.TotalSeconds;
        long gen0One = GC.CollectionCount(0) - gen0;
        clock.Restart();
        Parallel.Invoke(() => work(), () => work());
        double two = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  {name,-32} one thread {one,5:F2} s, two threads (twice the work) {two,5:F2} s: {2 * one / two:F2}x  (gen0 GCs per run: {gen0One})");
    }

    private static long Xorshift(long n)
    {
        ulong x = 88172645463325252UL;
        for (long i = 0; i < n; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        return (long)x;
    }

    private static long RandomReads(int[] array, long n)
    {
        long sum = 0;
        int index = 0;
        for (long i = 0; i < n; i++)
        {
            index = (index * 1103515245 + 12345) & (array.Length - 1);
            sum += array[index];
        }
        return sum;
    }

    private static long DictionaryCounting(long n)
    {
        var counts = new Dictionary<ulong, int>();
        ulong x = 1;
        for (long i = 0; i < n; i++)
        {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            ulong key = x >> 52;
            counts[key] = counts.GetValueOrDefault(key) + 1;
            if ((i & 4095) == 0) counts.Clear();
        }
        return counts.Count;
    }

    private static long ShortStrings(long n)
    {
        long sum = 0;
        for (long i = 0; i < n; i++) sum += new string('x', 24 + (int)(i & 63)).Length;
        return sum;
    }

    private static long Split(string text, long n)
    {
        long sum = 0;
        for (long i = 0; i < n; i++) sum += text.Split(' ').Length;
        return sum;
    }
}
