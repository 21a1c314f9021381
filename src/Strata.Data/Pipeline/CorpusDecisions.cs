using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strata.Data.Pipeline;

/// <summary>
/// The global step of a segment's corpus stages: loads every shard's fingerprints, lets each stage decide in order
/// (a document removed by one is not shown to the next) and saves the decisions, so a resumed run reuses them.
/// </summary>
internal static class CorpusDecisions
{
    /// <summary>Fingerprints of one shard for one stage: count, then keys, then count × width words.</summary>
    public static void WriteFingerprints(string path, IReadOnlyList<long> keys, IReadOnlyList<ulong> words)
    {
        string temporary = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(keys.Count);
            foreach (long key in keys) writer.Write(key);
            writer.Write(words.Count);
            foreach (ulong word in words) writer.Write(word);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static (long[] Keys, ulong[] Words) ReadFingerprints(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var keys = new long[reader.ReadInt32()];
        for (int i = 0; i < keys.Length; i++) keys[i] = reader.ReadInt64();
        var words = new ulong[reader.ReadInt32()];
        for (int i = 0; i < words.Length; i++) words[i] = reader.ReadUInt64();
        return (keys, words);
    }

    /// <summary>Decisions of every corpus stage of a segment: stage name → removed key → reason, and reports.</summary>
    public sealed record Saved(Dictionary<string, Dictionary<long, string>> Removed, JsonObject Reports);

    public static Saved DecideOrLoad(PipelineSegment segment, string directory, int shards)
    {
        string path = Path.Combine(directory, "decisions.json");
        if (File.Exists(path)) return Load(path);
        var removedSoFar = new HashSet<long>();
        var removed = new Dictionary<string, Dictionary<long, string>>();
        var reports = new JsonObject();
        for (int j = 0; j < segment.CorpusStages.Count; j++)
        {
            var stage = segment.CorpusStages[j];
            var keys = new List<long>();
            var words = new List<ulong>();
            for (int shard = 0; shard < shards; shard++)
            {
                var (shardKeys, shardWords) = ReadFingerprints(FingerprintPath(directory, shard, j));
                for (int i = 0; i < shardKeys.Length; i++)
                {
                    if (removedSoFar.Contains(shardKeys[i])) continue;
                    keys.Add(shardKeys[i]);
                    words.AddRange(shardWords.AsSpan(i * stage.FingerprintWidth, stage.FingerprintWidth));
                }
            }
            var decision = stage.Decide(keys.ToArray(), words.ToArray());
            removed[stage.Name] = new Dictionary<long, string>(decision.Removed);
            removedSoFar.UnionWith(decision.Removed.Keys);
            if (decision.Report is not null) reports[stage.Name] = decision.Report.DeepClone();
        }
        var saved = new Saved(removed, reports);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new
        {
            removed = removed.ToDictionary(s => s.Key, s => s.Value.Select(r => new object[] { r.Key, r.Value })),
            reports,
        }));
        File.Move(temporary, path, overwrite: true);
        return saved;
    }

    private static Saved Load(string path)
    {
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var removed = new Dictionary<string, Dictionary<long, string>>();
        foreach (var (stage, pairs) in json["removed"]!.AsObject())
        {
            removed[stage] = pairs!.AsArray().ToDictionary(p => p![0]!.GetValue<long>(), p => p![1]!.GetValue<string>());
        }
        return new Saved(removed, json["reports"]!.AsObject());
    }

    public static string FingerprintPath(string directory, int shard, int stage) =>
        Path.Combine(directory, $"shard-{shard:D5}.fingerprints-{stage}.bin");
}
