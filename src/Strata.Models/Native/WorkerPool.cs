namespace Strata.Models.Native;

/// <summary>A parallel loop body: part <c>part</c> of <c>parts</c> equal shares of some work, run by thread <c>thread</c>.</summary>
internal interface IParallelJob
{
    void Execute(int part, int parts, int thread);
}

/// <summary>
/// Persistent threads that run one parallel job at a time, the caller's thread taking part. A decode step runs a few
/// hundred small jobs (a matrix-vector product takes tens of microseconds), so handing work to the task scheduler per
/// op would cost more than the op: workers spin on a ticket between jobs and only park after a while idle. Nothing is
/// allocated per job; jobs are long-lived objects whose fields carry the arguments.
/// </summary>
/// <remarks>
/// A job is cut into several parts per thread, and every thread, the caller's included, claims parts from one ticket
/// until none are left. A thread the OS has descheduled (another process on a busy machine) therefore delays a job by
/// the part it holds at most, instead of the others spinning while its whole share waits. The ticket carries the job's
/// generation, so a worker that wakes late can never claim a part of a job that has already finished.
/// </remarks>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>Parts per thread and job.</summary>
    public const int PartsPerThread = 4;

    // How long an idle worker keeps spinning before parking (a decode step's gaps between jobs are far shorter).
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000;   // 200 µs

    private readonly Thread[] workers;
    private readonly SemaphoreSlim[] wakeUps;
    private readonly int[] parked;
    private IParallelJob? job;
    private long ticket;          // (generation << 32) | next part
    private int parts;
    private int done;
    private volatile bool stopping;
    private volatile bool resting;
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
            work.Execute(0, 1, 0);
            return;
        }
        job = work;
        failure = null;
        resting = false;
        parts = Threads * PartsPerThread;
        Volatile.Write(ref done, 0);
        long generation = (Volatile.Read(ref ticket) >> 32) + 1;
        Volatile.Write(ref ticket, generation << 32);
        for (int i = 0; i < workers.Length; i++)
        {
            if (Interlocked.Exchange(ref parked[i], 0) == 1) wakeUps[i].Release();
        }
        Claim(work, generation, thread: 0);
        // One pause per check: SpinWait's growing spins and yields would add microseconds to every job's tail. But a
        // part held by a thread the OS has descheduled (a busy machine) can take a whole time slice: after a few
        // thousand checks, yield the core so that thread can finish instead of spinning against it.
        for (int spins = 1; Volatile.Read(ref done) != parts; spins++)
        {
            if (spins % 4096 == 0) Thread.Yield();
            else Thread.SpinWait(1);
        }
        job = null;
        if (failure is not null) throw new AggregateException("a native kernel failed", failure);
    }

    /// <summary>Claims and runs parts of the job of <paramref name="generation"/> until none are left.</summary>
    private void Claim(IParallelJob work, long generation, int thread)
    {
        while (true)
        {
            long current = Volatile.Read(ref ticket);
            if (current >> 32 != generation) return;
            int part = (int)current;
            if (part >= parts) return;
            if (Interlocked.CompareExchange(ref ticket, current + 1, current) != current) continue;
            try
            {
                work.Execute(part, parts, thread);
            }
            catch (Exception e)
            {
                failure = e;
            }
            Interlocked.Increment(ref done);
        }
    }

    private void Work(int index)
    {
        long seen = 0;
        while (true)
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            int spins = 0;
            while (Volatile.Read(ref ticket) >> 32 == seen && !stopping)
            {
                // A single pause between checks keeps the wake-up latency to a fraction of a microsecond; the clock is
                // read only every 256 checks.
                if (!resting && (++spins % 256 != 0 || System.Diagnostics.Stopwatch.GetTimestamp() - started < SpinTicks))
                {
                    Thread.SpinWait(1);
                    continue;
                }
                // Park: announce it, re-check (the job may have been posted meanwhile), then wait to be released.
                Volatile.Write(ref parked[index], 1);
                if (Volatile.Read(ref ticket) >> 32 != seen || stopping)
                {
                    if (Interlocked.Exchange(ref parked[index], 0) == 0) wakeUps[index].Wait();   // Run() released us anyway
                    break;
                }
                wakeUps[index].Wait();
                started = System.Diagnostics.Stopwatch.GetTimestamp();
                spins = 0;
            }
            if (stopping) return;
            seen = Volatile.Read(ref ticket) >> 32;
            // The job may already be finished (all parts claimed by others); Claim then returns at once.
            var work = job;
            if (work is not null) Claim(work, seen, index + 1);
        }
    }

    /// <summary>
    /// Lets the workers park now instead of spinning out their idle time: the caller is done with the pool for a while
    /// (a forward pass is over and sampling, streaming and HTTP work on the same cores come next). The next
    /// <see cref="Run"/> wakes them.
    /// </summary>
    public void Rest() => resting = true;

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
