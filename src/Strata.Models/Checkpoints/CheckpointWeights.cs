using System.Text.Json;
using TorchSharp;

namespace Strata.Models.Checkpoints;

/// <summary>
/// The weights of a Hugging Face style model directory: a single <c>model.safetensors</c>, or shards listed by
/// <c>model.safetensors.index.json</c> (<c>weight_map</c>: tensor name → shard file). Shards are opened (mapped)
/// the first time one of their tensors is asked for. Thread-safe until disposed.
/// </summary>
public sealed partial class CheckpointWeights : IDisposable
{
    /// <summary>Single-file checkpoint name (transformers' <c>SAFE_WEIGHTS_NAME</c>).</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>Shard index name (transformers' <c>SAFE_WEIGHTS_INDEX_NAME</c>).</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, string> _shardOf;
    private readonly Dictionary<string, SafeTensorsFile> _open = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private bool _disposed;

    private CheckpointWeights(string directory, Dictionary<string, string> shardOf, SafeTensorsFile? single)
    {
        Directory = directory;
        _shardOf = shardOf;
        if (single is not null) _open.Add(SingleFileName, single);
    }

    /// <summary>The model directory (full path).</summary>
    public string Directory { get; }

    /// <summary>Every tensor name in the checkpoint.</summary>
    public IReadOnlyCollection<string> Names => _shardOf.Keys;

    /// <summary>
    /// Opens the weights in <paramref name="directory"/>: <c>model.safetensors</c> when present (as transformers
    /// prefers it), else the shards named by <c>model.safetensors.index.json</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither file exists (or the directory does not); the message names the directory.</exception>
    /// <exception cref="InvalidDataException">The index or the single file is malformed; the message names the file.</exception>
    public static CheckpointWeights Open(string directory)
    {
        directory = Path.GetFullPath(directory);
        string single = Path.Combine(directory, SingleFileName);
        if (File.Exists(single))
        {
            var file = SafeTensorsFile.Open(single);
            var names = file.Tensors.Keys.ToDictionary(n => n, _ => SingleFileName, StringComparer.Ordinal);
            return new CheckpointWeights(directory, names, file);
        }
        string index = Path.Combine(directory, IndexFileName);
        if (File.Exists(index)) return new CheckpointWeights(directory, ReadWeightMap(index), null);
        throw new FileNotFoundException(
            $"No safetensors weights in '{directory}': neither {SingleFileName} nor {IndexFileName} exists", directory);
    }

    /// <summary>True when the checkpoint has a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _shardOf.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/> (opens its shard if needed).</summary>
    /// <exception cref="KeyNotFoundException">No such tensor; the message names the directory and the tensor.</exception>
    /// <exception cref="InvalidDataException">The index sends the tensor to a shard that is malformed or lacks it.</exception>
    public SafeTensorInfo Info(string name) => Locate(name).Tensors[name];

    /// <summary>
    /// Loads <paramref name="name"/> as a new CPU tensor of its stored shape, in its stored dtype or converted to
    /// <paramref name="dtype"/> (see <see cref="SafeTensorsFile.Load"/>).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such tensor; the message names the directory and the tensor.</exception>
    /// <exception cref="InvalidDataException">The index sends the tensor to a shard that is malformed or lacks it.</exception>
    public torch.Tensor Load(string name, torch.ScalarType? dtype = null) => Locate(name).Load(name, dtype);

    /// <summary>The stored bytes of <paramref name="name"/> in the mapping (see <see cref="SafeTensorsFile.Pointer"/>).</summary>
    internal unsafe byte* Pointer(string name) => Locate(name).Pointer(name);

    /// <summary>Unmaps every opened file.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var file in _open.Values) file.Dispose();
            _open.Clear();
        }
    }

    private SafeTensorsFile Locate(string name)
    {
        if (!_shardOf.TryGetValue(name, out var shard))
        {
            throw new KeyNotFoundException($"Tensor '{name}' is not in the checkpoint in '{Directory}'");
        }
        SafeTensorsFile? file;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_open.TryGetValue(shard, out file))
            {
                string path = Path.Combine(Directory, shard);
                if (!File.Exists(path))
                {
                    throw new InvalidDataException($"Invalid checkpoint index '{Path.Combine(Directory, IndexFileName)}': "
                        + $"shard '{shard}' (holding '{name}') does not exist");
                }
                file = SafeTensorsFile.Open(path);
                _open.Add(shard, file);
            }
        }
        if (!file.Tensors.ContainsKey(name))
        {
            throw new InvalidDataException($"Invalid checkpoint index '{Path.Combine(Directory, IndexFileName)}': "
                + $"it places '{name}' in '{shard}', which has no such tensor");
        }
        return file;
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        InvalidDataException Error(string what, Exception? inner = null) =>
            new($"Invalid checkpoint index '{indexPath}': {what}", inner);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        }
        catch (JsonException e)
        {
            throw Error($"not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw Error("no \"weight_map\" object");
            }
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String) throw Error($"weight_map value for '{entry.Name}' is not a string");
                string shard = entry.Value.GetString()!;
                // Shards live beside the index; a path here could read files outside the model directory.
                if (shard.Length == 0 || Path.GetFileName(shard) != shard || shard is "." or "..")
                {
                    throw Error($"shard '{shard}' for '{entry.Name}' is not a plain file name");
                }
                if (!result.TryAdd(entry.Name, shard)) throw Error($"'{entry.Name}' appears twice in weight_map");
            }
            return result;
        }
    }
}
