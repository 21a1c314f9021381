using System.Diagnostics;
using System.Text.Json.Nodes;
using Strata.Data.IO;

namespace Strata.Data.Pipeline;

/// <summary>
/// Runs one segment over one shard: reads (the input files, or the previous segment's output minus what its corpus
/// stages removed), applies the per-document stages on every worker in read-ahead batches, and writes in input order:
/// kept documents, removed ones with their reason, quarantined input, fingerprints, and last the statistics file
/// that marks the shard done. Everything is written to temporary files first, so an interruption loses nothing
/// already committed and the shard is simply redone.
/// </summary>
internal sealed class ShardProcessor(PipelineConfig config, PipelineLayout layout)
{
    private sealed record Outcome(Document? Kept, string? Stage, string? Reason, Document? Removed, string? Error, ulong[]? Fingerprints);

    public ShardStatistics Run(PipelineSegment segment, InputShard shard, CorpusDecisions.Saved? previous,
        IReadOnlyList<ICorpusStage> previousStages, Action<long> documentsRead, CancellationToken ct)
    {
        var counters = segment.Stages.Select(s => new StageCounter(s.Name, "document")).ToArray();
        var corpusCounters = previousStages.Select(s => new StageCounter(s.Name, "corpus")).ToArray();
        var statistics = new ShardStatistics { Shard = shard.Index };
        bool last = segment.Index == layout.Segments - 1;
        using var output = last
            ? IShardWriter.Create(layout.OutputPath(segment.Index, shard.Index), config.Format, config.Compression)
            : new ShardWriter(layout.OutputPath(segment.Index, shard.Index));
        using var removedWriter = config.WriteRemoved ? new ShardWriter(layout.RemovedPath(segment.Index, shard.Index)) : null;
        using var quarantine = new ShardWriter(layout.QuarantinePath(segment.Index, shard.Index));
        var fingerprintKeys = new List<long>();
        var fingerprintTicks = new long[segment.CorpusStages.Count];
        var fingerprintWords = segment.CorpusStages.Select(_ => new List<ulong>()).ToArray();

        var records = segment.Index == 0 ? DocumentReader.Read(shard, ct) : PreviousOutput(segment, shard, previous!, previousStages, corpusCounters, removedWriter);
        if (segment.Index == 0) statistics.BytesRead = shard.Files.Sum(f => new FileInfo(f).Length);
        var batch = new List<ReadRecord>(config.BatchSize);
        using var enumerator = records.GetEnumerator();
        long ordinal = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            batch.Clear();
            while (batch.Count < config.BatchSize && enumerator.MoveNext()) batch.Add(enumerator.Current);
            if (batch.Count == 0) break;
            var outcomes = new Outcome?[batch.Count];
            Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = config.Workers, CancellationToken = ct },
                i => outcomes[i] = batch[i].Document is { } document ? Process(segment, counters, fingerprintTicks, document) : null);
            for (int i = 0; i < batch.Count; i++)
            {
                statistics.RecordsRead++;
                if (batch[i].Error is { } bad)
                {
                    statistics.Quarantined[bad.Reason] = statistics.Quarantined.GetValueOrDefault(bad.Reason) + 1;
                    quarantine.Write(new JsonObject { ["location"] = batch[i].Location, ["reason"] = bad.Reason, ["message"] = bad.Message, ["raw"] = bad.Raw });
                    continue;
                }
                var outcome = outcomes[i]!;
                if (outcome.Error is not null)
                {
                    statistics.Quarantined["stage_error"] = statistics.Quarantined.GetValueOrDefault("stage_error") + 1;
                    quarantine.Write(new JsonObject { ["location"] = batch[i].Location, ["reason"] = "stage_error", ["message"] = outcome.Error, ["id"] = batch[i].Document!.Id });
                    continue;
                }
                if (outcome.Kept is { } kept)
                {
                    output.Write(kept);
                    statistics.DocumentsWritten++;
                    statistics.CharactersWritten += kept.Text.Length;
                    if (outcome.Fingerprints is { } words)
                    {
                        fingerprintKeys.Add(PipelineLayout.Key(shard.Index, ordinal));
                        for (int j = 0; j < segment.CorpusStages.Count; j++)
                        {
                            int stageWidth = segment.CorpusStages[j].FingerprintWidth;
                            fingerprintWords[j].AddRange(words.AsSpan(segment.FingerprintOffsets[j], stageWidth));
                        }
                    }
                    ordinal++;
                }
                else removedWriter?.Write(RemovedRecord(outcome.Removed!, outcome.Stage!, outcome.Reason!, batch[i].Location));
            }
            documentsRead(batch.Count);
        }

        output.Commit();
        removedWriter?.Commit();
        quarantine.Commit();
        for (int j = 0; j < segment.CorpusStages.Count; j++)
            CorpusDecisions.WriteFingerprints(CorpusDecisions.FingerprintPath(layout.WorkDirectory(segment.Index), shard.Index, j), fingerprintKeys, fingerprintWords[j]);
        statistics.Stages = corpusCounters.Concat(counters).Select(c => c.Snapshot()).ToList();
        statistics.FingerprintSeconds = [.. fingerprintTicks.Select(t => (double)t / Stopwatch.Frequency)];
        layout.WriteStatistics(segment.Index, statistics);
        return statistics;
    }

    private static Outcome Process(PipelineSegment segment, StageCounter[] counters, long[] fingerprintTicks, Document document)
    {
        var current = document;
        for (int s = 0; s < segment.Stages.Count; s++)
        {
            var stage = segment.Stages[s];
            if (stage.ProseOnly && current.IsCode)
            {
                counters[s].PassedAsCode();
                continue;
            }
            StageResult result;
            long started = Stopwatch.GetTimestamp();
            try
            {
                result = stage.Apply(current);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One document must not take the run down; it is quarantined with the stage's complaint.
                return new Outcome(null, stage.Name, null, null, $"{stage.Name}: {e.GetType().Name}: {e.Message}", null);
            }
            counters[s].AddTime(Stopwatch.GetTimestamp() - started);
            counters[s].Record(result);
            if (result.Document is null) return new Outcome(null, stage.Name, result.Reason ?? "removed", current, null, null);
            current = result.Document;
        }
        if (segment.CorpusStages.Count == 0) return new Outcome(current, null, null, null, null, null);
        var words = new ulong[segment.FingerprintWidth];
        for (int j = 0; j < segment.CorpusStages.Count; j++)
        {
            long started = Stopwatch.GetTimestamp();
            segment.CorpusStages[j].Fingerprint(current, words.AsSpan(segment.FingerprintOffsets[j], segment.CorpusStages[j].FingerprintWidth));
            Interlocked.Add(ref fingerprintTicks[j], Stopwatch.GetTimestamp() - started);
        }
        return new Outcome(current, null, null, null, null, words);
    }

    /// <summary>The previous segment's output of this shard, less what its corpus stages decided to remove.</summary>
    private IEnumerable<ReadRecord> PreviousOutput(PipelineSegment segment, InputShard shard, CorpusDecisions.Saved previous,
        IReadOnlyList<ICorpusStage> previousStages, StageCounter[] corpusCounters, ShardWriter? removedWriter)
    {
        string path = layout.OutputPath(segment.Index - 1, shard.Index);
        long ordinal = 0;
        foreach (var record in DocumentReader.Read(path))
        {
            long key = PipelineLayout.Key(shard.Index, ordinal++);
            bool dropped = false;
            for (int j = 0; j < previousStages.Count && !dropped; j++)
            {
                if (previous.Removed[previousStages[j].Name].TryGetValue(key, out string? reason))
                {
                    corpusCounters[j].Record(StageResult.Remove(reason));
                    if (record.Document is { } document) removedWriter?.Write(RemovedRecord(document, previousStages[j].Name, reason, record.Location));
                    dropped = true;
                }
                else corpusCounters[j].Record(StageResult.Keep(record.Document!));
            }
            if (!dropped) yield return record;
        }
    }

    private static JsonObject RemovedRecord(Document document, string stage, string reason, string location) => new()
    {
        ["id"] = document.Id,
        ["stage"] = stage,
        ["reason"] = reason,
        ["location"] = location,
        ["text"] = document.Text,
        ["meta"] = document.Meta.DeepClone(),
    };
}
