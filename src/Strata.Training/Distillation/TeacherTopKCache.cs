using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Strata.Models.Llama;
using Strata.Training.Loop;
using Strata.Training.Tuning;
using static TorchSharp.torch;

namespace Strata.Training.Distillation;

/// <summary>
/// A teacher's top-k next-token log-probabilities at every trained position of a run's training rows, computed once
/// before training and kept on disk, so the student trains without the teacher in memory and without a teacher
/// forward per step. Stored as shards of <see cref="RowsPerShard"/> rows, each written whole (temporary file, then
/// renamed), so an interrupted build resumes at the first missing shard; <c>cache.json</c> names the teacher, k and a
/// hash of the rows, and a cache built for anything else is rebuilt rather than used.
/// Memory: rows × trained positions × k × 8 bytes (int32 id + float32 log-probability).
/// </summary>
public sealed class TeacherTopKCache
{
    public const int RowsPerShard = 256;
    private const int Magic = 0x444B5453; // "STKD"
    private const int Version = 1;
    private readonly int[][] ids;
    private readonly float[][] logprobs;

    private TeacherTopKCache(int k, int[][] ids, float[][] logprobs) => (K, this.ids, this.logprobs) = (k, ids, logprobs);

    public int K { get; }

    /// <summary>The cached targets of these rows, concatenated in order, as (N, k) tensors.</summary>
    public TeacherTargets Targets(IReadOnlyList<int> rows)
    {
        int positions = rows.Sum(r => ids[r].Length) / K;
        var flatIds = new long[positions * K];
        var flatLogprobs = new float[positions * K];
        int at = 0;
        foreach (int row in rows)
        {
            for (int i = 0; i < ids[row].Length; i++) flatIds[at + i] = ids[row][i];
            logprobs[row].CopyTo(flatLogprobs, at);
            at += ids[row].Length;
        }
        return new TeacherTargets(tensor(flatLogprobs, [positions, K]), tensor(flatIds, [positions, K]));
    }

    /// <summary>Loads the cache in <paramref name="directory"/>, first computing whatever part of it is missing.</summary>
    public static TeacherTopKCache Build(LlamaForCausalLM teacher, string teacherDirectory, IReadOnlyList<PackedSequence> rows, int k, int padId,
        string directory, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (k > teacher.Config.VocabSize) throw new ArgumentException($"distill.top_k (--kd-top-k) is {k} but the vocabulary has {teacher.Config.VocabSize} tokens");
        var meta = new CacheMeta(Path.GetFullPath(teacherDirectory), WeightsStamp(teacherDirectory), k, rows.Count, RowsHash(rows));
        string metaPath = Path.Combine(directory, "cache.json");
        if (File.Exists(metaPath) && JsonSerializer.Deserialize<CacheMeta>(File.ReadAllText(metaPath)) != meta)
        {
            progress?.Report($"{directory}: the cache was built for another teacher or other data; rebuilding it");
            Directory.Delete(directory, recursive: true);
        }
        Directory.CreateDirectory(directory);
        File.WriteAllText(metaPath, JsonSerializer.Serialize(meta));

        var ids = new int[rows.Count][];
        var logprobs = new float[rows.Count][];
        int shards = (rows.Count + RowsPerShard - 1) / RowsPerShard;
        for (int shard = 0; shard < shards; shard++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = Path.Combine(directory, $"shard-{shard:D5}.bin");
            int first = shard * RowsPerShard, count = Math.Min(RowsPerShard, rows.Count - first);
            if (!File.Exists(path))
            {
                progress?.Report($"teacher top-{k}: rows {first + 1}-{first + count} of {rows.Count}");
                WriteShard(path, teacher, rows, first, count, k, padId);
            }
            ReadShard(path, first, count, k, ids, logprobs);
        }
        return new TeacherTopKCache(k, ids, logprobs);
    }

    private static void WriteShard(string path, LlamaForCausalLM teacher, IReadOnlyList<PackedSequence> rows, int first, int count, int k, int padId)
    {
        const int batchRows = 16;
        string temporary = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(k);
            writer.Write(first);
            writer.Write(count);
            for (int start = first; start < first + count; start += batchRows)
            {
                using var scope = NewDisposeScope();
                var batch = rows.Skip(start).Take(Math.Min(batchRows, first + count - start)).ToList();
                var (inputs, targets, mask) = SequencePacker.Collate(batch, padId);
                var (values, indices) = TeacherBesideStudent.Logprobs(teacher, inputs, targets, mask).topk(k, dim: -1);
                float[] topValues = values.contiguous().data<float>().ToArray();
                long[] topIds = indices.contiguous().data<long>().ToArray();
                int at = 0;
                foreach (var row in batch)
                {
                    int n = row.Targets.Count(t => t != SequencePacker.IgnoreIndex) * k;
                    writer.Write(n / k);
                    for (int i = 0; i < n; i++) writer.Write((int)topIds[at + i]);
                    for (int i = 0; i < n; i++) writer.Write(topValues[at + i]);
                    at += n;
                }
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void ReadShard(string path, int first, int count, int k, int[][] ids, float[][] logprobs)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadInt32() != Magic || reader.ReadInt32() != Version || reader.ReadInt32() != k || reader.ReadInt32() != first || reader.ReadInt32() != count)
        {
            throw new InvalidDataException($"{path}: not a teacher top-{k} shard for rows {first}-{first + count - 1}; delete the cache folder to rebuild it");
        }
        for (int row = first; row < first + count; row++)
        {
            int n = reader.ReadInt32() * k;
            ids[row] = new int[n];
            logprobs[row] = new float[n];
            for (int i = 0; i < n; i++) ids[row][i] = reader.ReadInt32();
            for (int i = 0; i < n; i++) logprobs[row][i] = reader.ReadSingle();
        }
    }

    /// <summary>Cheap identity of the teacher's weights: their files' sizes and modification times.</summary>
    private static string WeightsStamp(string teacherDirectory) =>
        string.Join(";", Directory.EnumerateFiles(teacherDirectory, "*.safetensors").Order(StringComparer.Ordinal)
            .Select(f => new FileInfo(f)).Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));

    private static string RowsHash(IReadOnlyList<PackedSequence> rows)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var row in rows)
        {
            hash.AppendData(BitConverter.GetBytes(row.InputIds.Length));
            foreach (long id in row.InputIds) hash.AppendData(BitConverter.GetBytes(id));
            foreach (long target in row.Targets) hash.AppendData(BitConverter.GetBytes(target));
            foreach (int document in row.DocumentIds) hash.AppendData(BitConverter.GetBytes(document));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed record CacheMeta(
        [property: JsonPropertyName("teacher")] string Teacher,
        [property: JsonPropertyName("teacher_weights")] string TeacherWeights,
        [property: JsonPropertyName("top_k")] int TopK,
        [property: JsonPropertyName("rows")] int Rows,
        [property: JsonPropertyName("rows_sha256")] string RowsSha256);
}

/// <summary>Tuning data with each batch's cached teacher top-k attached (see <see cref="TeacherTopKCache"/>).</summary>
public sealed class CachedTeacher(TuneData data, TeacherTopKCache cache) : ITrainingData
{
    public TrainingBatch Batch(long index) => data.Batch(index) with { Teacher = cache.Targets(data.RowsOf(index)) };

    public IEnumerable<TrainingBatch> Validation(long? maxTokens) => data.Validation(maxTokens);

    public double? ValidationCharactersPerToken => data.ValidationCharactersPerToken;
}
