using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TorchSharp;

namespace Strata.Models.Checkpoints;

public sealed partial class CheckpointWeights
{
    /// <summary>
    /// Saves <paramref name="tensors"/> as a transformers-style checkpoint in <paramref name="directory"/> (created if
    /// missing): one <c>model.safetensors</c> when everything fits in <paramref name="maxShardBytes"/>, otherwise
    /// <c>model-00001-of-0000N.safetensors</c> shards plus <c>model.safetensors.index.json</c>
    /// (<c>{"metadata": {"total_size": bytes}, "weight_map": {name: shard}}</c>, indent 2, sorted keys).
    /// </summary>
    /// <remarks>
    /// Shards are filled in the order given, as huggingface_hub's <c>split_torch_state_dict_into_shards</c> does:
    /// a tensor that would push the current shard past the limit starts a new one, and a tensor larger than the
    /// limit gets a shard of its own. Sizes count tensor bytes only (element count × element size), and
    /// <c>total_size</c> is their sum. Files of the other layout left by an earlier save (a stale
    /// <c>model.safetensors</c>, index or <c>model-NNNNN-of-NNNNN.safetensors</c> shard) are deleted, since
    /// <see cref="Open"/> would otherwise read them. Each file is written atomically; the index is written last.
    /// </remarks>
    /// <param name="directory">Model directory.</param>
    /// <param name="tensors">Names and tensors, as for <see cref="SafeTensorsWriter.Write"/>.</param>
    /// <param name="maxShardBytes">Largest shard payload in bytes (positive).</param>
    /// <param name="metadata">Written as <c>__metadata__</c> into every file (transformers writes <c>{"format": "pt"}</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxShardBytes"/> is not positive.</exception>
    /// <exception cref="ArgumentException">A duplicate, empty or reserved tensor name.</exception>
    public static void Save(string directory, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, long maxShardBytes = long.MaxValue,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);

        var all = tensors.ToList();
        var duplicate = all.GroupBy(t => t.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Tensor name '{duplicate.Key}' appears twice", nameof(tensors));

        var shards = Split(all, maxShardBytes, out long totalSize);
        if (shards.Count <= 1)
        {
            SafeTensorsWriter.Write(Path.Combine(directory, SingleFileName), shards.FirstOrDefault() ?? [], metadata);
            DeleteStale(directory, keep: new HashSet<string>());
            return;
        }

        var weightMap = new SortedDictionary<string, string>(Utf8Order.Instance);
        var written = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            SafeTensorsWriter.Write(Path.Combine(directory, name), shards[i], metadata);
            foreach (var tensor in shards[i]) weightMap.Add(tensor.Key, name);
            written.Add(name);
        }
        // A stale model.safetensors would win over the new index in Open; remove it before the index appears.
        DeleteStale(directory, keep: written);
        WriteIndex(Path.Combine(directory, IndexFileName), totalSize, weightMap);
    }

    /// <summary>huggingface_hub's greedy, order-preserving split.</summary>
    internal static List<List<KeyValuePair<string, torch.Tensor>>> Split(
        IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, long maxShardBytes, out long totalSize)
    {
        var shards = new List<List<KeyValuePair<string, torch.Tensor>>>();
        var current = new List<KeyValuePair<string, torch.Tensor>>();
        long currentSize = 0;
        totalSize = 0;
        foreach (var entry in tensors)
        {
            long size = entry.Value.NumberOfElements * entry.Value.ElementSize;
            totalSize += size;
            if (size > maxShardBytes)
            {
                shards.Add([entry]);
                continue;
            }
            if (currentSize + size > maxShardBytes)
            {
                shards.Add(current);
                current = [];
                currentSize = 0;
            }
            current.Add(entry);
            currentSize += size;
        }
        if (current.Count > 0) shards.Add(current);
        return shards;
    }

    private static void WriteIndex(string path, long totalSize, SortedDictionary<string, string> weightMap)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            NewLine = "\n",
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, shard) in weightMap) json.WriteString(name, shard);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n'); // json.dumps(...) + "\n", as transformers writes it
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, buffer.ToArray());
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void DeleteStale(string directory, IReadOnlySet<string> keep)
    {
        if (keep.Count == 0)
        {
            File.Delete(Path.Combine(directory, IndexFileName));
        }
        else
        {
            File.Delete(Path.Combine(directory, SingleFileName));
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "model-*-of-*.safetensors"))
        {
            string name = Path.GetFileName(path);
            if (ShardName().IsMatch(name) && !keep.Contains(name)) File.Delete(path);
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$")]
    private static partial Regex ShardName();

    /// <summary>Python's <c>sort_keys</c> order (code points), which is UTF-8 byte order.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y) =>
            Encoding.UTF8.GetBytes(x ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? ""));
    }
}
