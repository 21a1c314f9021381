using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Strata.Data.Pipeline;

/// <summary>Counts for one stage: documents in, kept, removed per reason, passed around as code, matches.</summary>
public sealed class StageStatistics
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary><c>document</c> for per-document stages, <c>corpus</c> for deduplication, <c>read</c> for the reader.</summary>
    [JsonPropertyName("kind")] public string Kind { get; set; } = "document";

    [JsonPropertyName("input")] public long Input { get; set; }
    [JsonPropertyName("kept")] public long Kept { get; set; }
    [JsonPropertyName("removed")] public long Removed { get; set; }
    [JsonPropertyName("removed_by_reason")] public SortedDictionary<string, long> RemovedByReason { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Code documents a prose-only rule let through untouched.</summary>
    [JsonPropertyName("passed_as_code")] public long PassedAsCode { get; set; }

    [JsonPropertyName("matches")] public SortedDictionary<string, long> Matches { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Time spent in the stage, summed over workers (corpus stages: fingerprints only).</summary>
    [JsonPropertyName("cpu_seconds")] public double CpuSeconds { get; set; }

    public void Add(StageStatistics other)
    {
        CpuSeconds += other.CpuSeconds;
        Input += other.Input;
        Kept += other.Kept;
        Removed += other.Removed;
        PassedAsCode += other.PassedAsCode;
        foreach (var (reason, count) in other.RemovedByReason) RemovedByReason[reason] = RemovedByReason.GetValueOrDefault(reason) + count;
        foreach (var (match, count) in other.Matches) Matches[match] = Matches.GetValueOrDefault(match) + count;
    }
}

/// <summary>Thread-safe counters for one stage while a shard runs on several workers.</summary>
internal sealed class StageCounter(string name, string kind)
{
    private long input, kept, passedAsCode, ticks;
    private readonly ConcurrentDictionary<string, long> removed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> matches = new(StringComparer.Ordinal);

    public string Name => name;

    public void Record(StageResult result)
    {
        Interlocked.Increment(ref input);
        if (result.Kept) Interlocked.Increment(ref kept);
        else removed.AddOrUpdate(result.Reason ?? "removed", 1, (_, n) => n + 1);
        if (result.Matches is { } found) foreach (string match in found) matches.AddOrUpdate(match, 1, (_, n) => n + 1);
    }

    public void AddTime(long stopwatchTicks) => Interlocked.Add(ref ticks, stopwatchTicks);

    public void PassedAsCode()
    {
        Interlocked.Increment(ref input);
        Interlocked.Increment(ref kept);
        Interlocked.Increment(ref passedAsCode);
    }

    public StageStatistics Snapshot() => new()
    {
        Name = name,
        Kind = kind,
        Input = input,
        Kept = kept,
        Removed = removed.Values.Sum(),
        RemovedByReason = new SortedDictionary<string, long>(removed, StringComparer.Ordinal),
        PassedAsCode = passedAsCode,
        Matches = new SortedDictionary<string, long>(matches, StringComparer.Ordinal),
        CpuSeconds = (double)ticks / System.Diagnostics.Stopwatch.Frequency,
    };
}
