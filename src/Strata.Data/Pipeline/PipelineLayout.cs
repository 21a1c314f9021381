using System.Text.Json;
using Strata.Data.IO;

namespace Strata.Data.Pipeline;

/// <summary>
/// Where a run keeps its files under the output folder:
/// <list type="bullet">
/// <item><c>shard-NNNNN.jsonl[.gz|.zst]</c> or <c>shard-NNNNN.parquet</c>: the clean documents (the last pass's output);</item>
/// <item><c>report.json</c>: counts per stage and reason;</item>
/// <item><c>removed/</c>: every removed document with its stage and reason; <c>quarantine/</c>: unreadable input;</item>
/// <item><c>work/segment-K/</c>: intermediate passes, fingerprints, corpus decisions and each shard's statistics file,
/// whose presence marks that shard of that pass done (the resume point).</item>
/// </list>
/// </summary>
internal sealed class PipelineLayout(string root, int segments, OutputFormat format, Compression compression)
{
    public string Root => root;

    public int Segments => segments;

    /// <summary>A document's key: its shard and its position in that shard's output of a pass; ascending = corpus order.</summary>
    public static long Key(int shard, long ordinal) => ((long)shard << 32) | ordinal;

    public string WorkDirectory(int segment) => Path.Combine(root, "work", $"segment-{segment}");

    public string OutputPath(int segment, int shard) => segment == segments - 1
        ? Path.Combine(root, $"shard-{shard:D5}{IShardWriter.Extension(format, compression)}")
        : Path.Combine(WorkDirectory(segment), $"shard-{shard:D5}.jsonl");

    public string RemovedPath(int segment, int shard) => Path.Combine(root, "removed", $"segment-{segment}", $"shard-{shard:D5}.jsonl");

    public string QuarantinePath(int segment, int shard) => Path.Combine(root, "quarantine", $"segment-{segment}", $"shard-{shard:D5}.jsonl");

    private string StatisticsPath(int segment, int shard) => Path.Combine(WorkDirectory(segment), $"shard-{shard:D5}.stats.json");

    public ShardStatistics? ReadStatistics(int segment, int shard)
    {
        string path = StatisticsPath(segment, shard);
        return File.Exists(path) ? JsonSerializer.Deserialize<ShardStatistics>(File.ReadAllText(path)) : null;
    }

    public void WriteStatistics(int segment, ShardStatistics statistics)
    {
        string path = StatisticsPath(segment, statistics.Shard);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(statistics));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
