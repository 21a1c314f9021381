using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Strata.Data.Pipeline;

/// <summary>What one input shard's pass through one segment counted; saved beside its output as the completion marker.</summary>
public sealed class ShardStatistics
{
    [JsonPropertyName("shard")] public int Shard { get; set; }
    [JsonPropertyName("records_read")] public long RecordsRead { get; set; }
    [JsonPropertyName("bytes_read")] public long BytesRead { get; set; }
    [JsonPropertyName("quarantined")] public SortedDictionary<string, long> Quarantined { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("stages")] public List<StageStatistics> Stages { get; set; } = [];

    /// <summary>Time this pass spent fingerprinting for each of its corpus stages, summed over workers.</summary>
    [JsonPropertyName("fingerprint_seconds")] public List<double> FingerprintSeconds { get; set; } = [];
    [JsonPropertyName("documents_written")] public long DocumentsWritten { get; set; }
    [JsonPropertyName("characters_written")] public long CharactersWritten { get; set; }
}

/// <summary>report.json: counts per stage and reason for the whole run, plus the corpus stages' own reports.</summary>
public sealed class PipelineReport
{
    [JsonPropertyName("inputs")] public InputSummary Inputs { get; set; } = new();
    [JsonPropertyName("quarantined")] public SortedDictionary<string, long> Quarantined { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("stages")] public List<StageStatistics> Stages { get; set; } = [];
    [JsonPropertyName("output")] public OutputSummary Output { get; set; } = new();
    [JsonPropertyName("corpus_reports")] public JsonObject CorpusReports { get; set; } = [];
    [JsonPropertyName("elapsed_seconds")] public double ElapsedSeconds { get; set; }

    public sealed class InputSummary
    {
        [JsonPropertyName("shards")] public int Shards { get; set; }
        [JsonPropertyName("files")] public int Files { get; set; }
        [JsonPropertyName("bytes")] public long Bytes { get; set; }
        [JsonPropertyName("records")] public long Records { get; set; }
    }

    public sealed class OutputSummary
    {
        [JsonPropertyName("directory")] public string Directory { get; set; } = "";
        [JsonPropertyName("files")] public List<string> Files { get; set; } = [];
        [JsonPropertyName("documents")] public long Documents { get; set; }
        [JsonPropertyName("characters")] public long Characters { get; set; }
    }
}

/// <summary>Progress of a run, reported after every batch.</summary>
/// <param name="Segment">Which pass: 0 … segments−1.</param>
/// <param name="Phase">For people: the stages of the pass, or the corpus step running.</param>
public sealed record PipelineProgress(int Segment, int Segments, string Phase, int ShardsDone, int ShardsTotal, long DocumentsRead);
