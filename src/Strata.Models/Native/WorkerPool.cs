namespace Strata.Models.Native;

/// <summary>A parallel loop body: part <c>part</c> of <c>parts</c> equal shares of some work.</summary>
internal interface IParallelJob
{
    void Execute(int part, int parts);
}

/// <summary>
/// Persistent threads that run one parallel job at a time, the caller's thread taking part 0. A decode step runs a few
/// hundred small jobs (a matrix-vector product takes tens of microseconds), so handing work to the task scheduler per
/// op would cost more than the op: workers spin on a generation counter between jobs and only park after a while idle.
/// Nothing is allocated per job; jobs are long-lived objects whose fields carry the arguments.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    // How long an idle worker keeps spinning before parking (a decode step's gaps between jobs are far shorter).
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000;   // 200 µs

    private readonly Thread[] workers;
    private readonly SemaphoreSlim[] wakeUps;
    private readonly int[] parked;
    private IParallelJob? job;
    private int generation;
    private int pending;
    private volatile bool stopping;
    private Exception? failure;

    /// <param name="threads">Threads running each job, the caller's included (at least 1).</param>
    public WorkerPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        workers = new Thread[threads - 1];
        wakeUps = new SemaphoreSlim[threads - 1];
        parked = new int[threads - 1];
        for (int i = 0; i < workers.Length; i++)
        {
            wakeUps[i] = new SemaphoreSlim(0);
            int index = i;
            workers[i] = new Thread(() => Work(index)) { IsBackground = true, Name = $"strata-native-{i + 1}" };
            workers[i].Start();
        }
    }

    public int Threads { get; }

    /// <summary>Runs <paramref name="work"/> on every thread and returns when all parts are done.</summary>
    /// <exception cref="AggregateException">A part threw; the pool stays usable.</exception>
    public void Run(IParallelJob work)
    {
        if (workers.Length == 0)
        {
            work.Execute(0, 1);
            return;
        }
        job = work;
        failure = null;
        Volatile.Write(ref pending, workers.Length);
        Interlocked.Increment(ref generation);
        for (int i = 0; i < workers.Length; i++)
        {
            if (Interlocked.Exchange(ref parked[i], 0) == 1) wakeUps[i].Release();
        }
        Exception? own = null;
        try
        {
            work.Execute(0, Threads);
        }
        catch (Exception e)
        {
            own = e;
        }
        // One pause per check: SpinWait's growing spins and yields would add microseconds to every job's tail.
        while (Volatile.Read(ref pending) != 0) Thread.SpinWait(1);
        job = null;
        var error = own ?? failure;
        if (error is not null) throw new AggregateException("a native kernel failed", error);
    }

    private void Work(int index)
    {
        int seen = 0;
        while (true)
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            int spins = 0;
            while (Volatile.Read(ref generation) == seen && !stopping)
            {
                // A single pause between checks keeps the wake-up latency to a fraction of a microsecond; the clock is
                // read only every 256 checks.
                if (++spins % 256 != 0 || System.Diagnostics.Stopwatch.GetTimestamp() - started < SpinTicks)
                {
                    Thread.SpinWait(1);
                    continue;
                }
                // Park: announce it, re-check (the job may have been posted meanwhile), then wait to be released.
                Volatile.Write(ref parked[index], 1);
                if (Volatile.Read(ref generation) != seen || stopping)
                {
                    if (Interlocked.Exchange(ref parked[index], 0) == 0) wakeUps[index].Wait();   // Run() released us anyway
                    break;
                }
                wakeUps[index].Wait();
                started = System.Diagnostics.Stopwatch.GetTimestamp();
                spins = 0;
            }
            if (stopping) return;
            seen = Volatile.Read(ref generation);
            try
            {
                job!.Execute(index + 1, Threads);
            }
            catch (Exception e)
            {
                failure = e;
            }
            Interlocked.Decrement(ref pending);
        }
    }

    public void Dispose()
    {
        if (stopping) return;
        stopping = true;
        for (int i = 0; i < workers.Length; i++)
        {
            if (Interlocked.Exchange(ref parked[i], 0) == 1) wakeUps[i].Release();
        }
        foreach (var worker in workers) worker.Join();
        foreach (var wake in wakeUps) wake.Dispose();
    }

    /// <summary>The share [start, end) of <paramref name="count"/> items for <paramref name="part"/>, in multiples of <paramref name="granularity"/>.</summary>
    public static (int Start, int End) Share(int count, int part, int parts, int granularity = 1)
    {
        int units = (count + granularity - 1) / granularity;
        int start = (int)((long)units * part / parts) * granularity;
        int end = (int)((long)units * (part + 1) / parts) * granularity;
        return (Math.Min(start, count), Math.Min(end, count));
    }
}
