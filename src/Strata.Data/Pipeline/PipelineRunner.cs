using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strata.Data.IO;

namespace Strata.Data.Pipeline;

/// <summary>
/// Runs a pipeline over input files into an output folder: pass by pass (see <see cref="PipelineSegment"/>), shard by
/// shard, each shard's documents on every core. A run that was interrupted resumes where it stopped when started
/// again with the same inputs, configuration and output folder: finished shards are skipped, an unfinished one is
/// redone from its start, so no document is lost or written twice.
/// </summary>
public sealed class PipelineRunner
{
    private readonly PipelineConfig config;
    private readonly IReadOnlyList<PipelineSegment> segments;

    public PipelineRunner(PipelineConfig config, IReadOnlyList<object> stages)
    {
        config.Validate();
        this.config = config;
        segments = PipelineSegment.Split(stages);
    }

    /// <summary>Human-readable passes, for progress displays.</summary>
    public IReadOnlyList<string> Passes => segments.Select(s => s.Describe()).ToArray();

    /// <exception cref="InvalidOperationException">The output folder holds a run over other inputs or another configuration.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; finished shards are kept for the next run.</exception>
    public PipelineReport Run(IReadOnlyList<string> inputs, string outputDirectory, IProgress<PipelineProgress>? progress = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var shards = InputFiles.Shard(inputs, config.DocumentsPerShard);
        var layout = new PipelineLayout(outputDirectory, segments.Count, config.Format, config.Compression);
        CheckResumable(layout, shards);
        var processor = new ShardProcessor(config, layout);
        var statistics = new List<ShardStatistics>[segments.Count];
        CorpusDecisions.Saved? previous = null;
        var corpusReports = new JsonObject();
        long documentsRead = 0;
        foreach (var segment in segments)
        {
            var previousStages = segment.Index == 0 ? [] : segments[segment.Index - 1].CorpusStages;
            statistics[segment.Index] = [];
            int done = 0;
            foreach (var shard in shards)
            {
                progress?.Report(new PipelineProgress(segment.Index, segments.Count, segment.Describe(), done, shards.Count, documentsRead));
                var shardStatistics = layout.ReadStatistics(segment.Index, shard.Index)
                    ?? processor.Run(segment, shard, previous, previousStages, read =>
                    {
                        documentsRead += read;
                        progress?.Report(new PipelineProgress(segment.Index, segments.Count, segment.Describe(), done, shards.Count, documentsRead));
                    }, ct);
                statistics[segment.Index].Add(shardStatistics);
                done++;
            }
            progress?.Report(new PipelineProgress(segment.Index, segments.Count, segment.Describe(), done, shards.Count, documentsRead));
            if (segment.CorpusStages.Count > 0)
            {
                progress?.Report(new PipelineProgress(segment.Index, segments.Count, string.Join(", ", segment.CorpusStages.Select(s => s.Name)) + ": deciding over the corpus", done, shards.Count, documentsRead));
                previous = CorpusDecisions.DecideOrLoad(segment, layout.WorkDirectory(segment.Index), shards.Count);
                foreach (var (name, report) in previous.Reports) corpusReports[name] = report?.DeepClone();
            }
        }
        var result = Summarise(layout, shards, statistics, corpusReports);
        result.ElapsedSeconds = clock.Elapsed.TotalSeconds;
        File.WriteAllText(Path.Combine(outputDirectory, "report.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return result;
    }

    /// <summary>A folder may only be resumed by the same run: the plan (shards, files, sizes) and configuration must match.</summary>
    private void CheckResumable(PipelineLayout layout, IReadOnlyList<InputShard> shards)
    {
        var plan = new JsonObject
        {
            // Workers and batch size change how fast, not what is written: a run may resume with others.
            ["config"] = JsonSerializer.SerializeToNode(config with { Workers = 1, BatchSize = 1 }, PipelineConfig.Json),
            ["shards"] = new JsonArray(shards.Select(s => (JsonNode)new JsonArray(s.Files.Select(f => (JsonNode)$"{Path.GetFullPath(f)}:{new FileInfo(f).Length}").ToArray())).ToArray()),
        };
        string path = Path.Combine(layout.Root, "work", "plan.json");
        if (File.Exists(path))
        {
            if (!JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(path)), plan))
                throw new InvalidOperationException($"{layout.Root} holds a run over other inputs or another configuration; use a new output folder or delete it");
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, plan.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private PipelineReport Summarise(PipelineLayout layout, IReadOnlyList<InputShard> shards, List<ShardStatistics>[] statistics, JsonObject corpusReports)
    {
        var report = new PipelineReport { CorpusReports = corpusReports };
        report.Inputs.Shards = shards.Count;
        report.Inputs.Files = shards.Sum(s => s.Files.Count);
        report.Inputs.Bytes = statistics[0].Sum(s => s.BytesRead);
        report.Inputs.Records = statistics[0].Sum(s => s.RecordsRead);
        for (int k = 0; k < statistics.Length; k++)
        {
            var segment = statistics[k];
            foreach (var shard in segment)
                foreach (var (reason, count) in shard.Quarantined) report.Quarantined[reason] = report.Quarantined.GetValueOrDefault(reason) + count;
            var merged = new List<StageStatistics>();
            foreach (var shard in segment)
            {
                for (int i = 0; i < shard.Stages.Count; i++)
                {
                    if (merged.Count <= i) merged.Add(new StageStatistics { Name = shard.Stages[i].Name, Kind = shard.Stages[i].Kind });
                    merged[i].Add(shard.Stages[i]);
                }
            }
            // A corpus stage decides in the pass after the one that fingerprinted for it; its time is that fingerprinting.
            if (k > 0)
            {
                var corpus = merged.Where(m => m.Kind == "corpus").ToList();
                for (int j = 0; j < corpus.Count; j++)
                    corpus[j].CpuSeconds += statistics[k - 1].Sum(shard => shard.FingerprintSeconds.ElementAtOrDefault(j));
            }
            report.Stages.AddRange(merged);
        }
        var final = statistics[^1];
        report.Output.Directory = Path.GetFullPath(layout.Root);
        report.Output.Files = shards.Select(s => Path.GetFileName(layout.OutputPath(segments.Count - 1, s.Index))).ToList();
        report.Output.Documents = final.Sum(s => s.DocumentsWritten);
        report.Output.Characters = final.Sum(s => s.CharactersWritten);
        return report;
    }
}
