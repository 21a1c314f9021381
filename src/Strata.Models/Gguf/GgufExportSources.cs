using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Strata.Models.Checkpoints;
using Strata.Models.Configuration;
using Strata.Models.Quantization;
using Strata.Models.Tokenization;
using TorchSharp;

namespace Strata.Models.Gguf;

/// <summary>A Hugging Face checkpoint folder as an export source.</summary>
internal sealed class HuggingFaceSource : IExportSource
{
    private const long ChunkElements = 1 << 22; // 16 MB of floats converted at a time

    private readonly string _directory;
    private readonly string _architecture;
    private readonly CheckpointWeights _weights;
    private readonly StrataTokenizer _tokenizer;
    private readonly Dictionary<string, string> _huggingFaceNames = new(StringComparer.Ordinal);
    private readonly float[]? _ropeFactors;
    private readonly RowEncoder _encoder;

    public HuggingFaceSource(string directory)
    {
        _directory = Path.GetFullPath(directory);
        string configPath = Path.Combine(_directory, ModelConfig.FileName);
        Config = ModelConfig.Load(_directory);
        _architecture = GgufArchitecture.ArchitectureOf(Config, configPath);
        string tokenizerPath = Path.Combine(_directory, "tokenizer.json");
        if (!File.Exists(tokenizerPath))
            throw new FileNotFoundException($"{_directory}: no tokenizer.json; a GGUF model file must carry its tokenizer", tokenizerPath);
        _tokenizer = StrataTokenizer.FromTokenizerJson(tokenizerPath);
        if (_tokenizer.VocabularySize > Config.VocabSize)
        {
            throw new InvalidDataException(
                $"{tokenizerPath}: {_tokenizer.VocabularySize} tokens, but {configPath} gives vocab_size {Config.VocabSize} embedding rows");
        }
        _encoder = new RowEncoder(_directory);
        _weights = CheckpointWeights.Open(_directory);
        try
        {
            Tensors = ListTensors();
        }
        catch
        {
            _weights.Dispose();
            throw;
        }
        _ropeFactors = GgufRopeFactors.FromConfig(Config);
        if (_ropeFactors is not null)
            Tensors = [.. Tensors, new ExportTensor(GgufTensorNames.RopeFrequencies, [_ropeFactors.Length], "F32", GgmlType.F32)];
    }

    public ModelConfig Config { get; }

    public IReadOnlyList<ExportTensor> Tensors { get; }

    public IReadOnlyList<KeyValuePair<string, object>> Metadata(GgufFileType fileType)
    {
        var options = GgufTokenizerMetadata.ReadOptions(_directory, _tokenizer);
        int? eos = _tokenizer.EosTokenId ?? (Config.EosTokenIds.Count > 0 ? Config.EosTokenIds[0] : null);
        options = options with
        {
            BosTokenId = _tokenizer.BosTokenId ?? Config.BosTokenId,
            EosTokenId = eos,
            VocabularySize = Config.VocabSize,
        };
        var entries = new List<KeyValuePair<string, object>>(
            GgufArchitecture.WriteMetadata(Config, fileType, Path.GetFileName(_directory), Path.Combine(_directory, ModelConfig.FileName)));
        entries.AddRange(GgufTokenizerMetadata.Create(_tokenizer, options, Path.Combine(_directory, "tokenizer.json")));
        entries.AddRange(EndOfTurnIds(eos));
        // Last, in llama-quantize's order, so quantizing directly gives the same file as writing f32 and requantizing.
        foreach (string key in (string[])["general.quantization_version", "general.file_type"])
        {
            int index = entries.FindIndex(e => e.Key == key);
            var entry = entries[index];
            entries.RemoveAt(index);
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>
    /// Further end-of-generation ids (config.json and generation_config.json list several for Llama 3.1) become
    /// tokenizer.ggml.eot_token_id / eom_token_id when their text is a known end-of-turn or end-of-message token, the
    /// tokens llama.cpp itself would detect by name.
    /// </summary>
    private IEnumerable<KeyValuePair<string, object>> EndOfTurnIds(int? eos)
    {
        var ids = new List<int>(Config.EosTokenIds);
        string generationPath = Path.Combine(_directory, "generation_config.json");
        if (File.Exists(generationPath))
        {
            var node = JsonNode.Parse(File.ReadAllText(generationPath))?["eos_token_id"];
            if (node is JsonArray list) ids.AddRange(list.Select(id => id!.GetValue<int>()));
            else if (node is JsonValue single && single.TryGetValue(out int id)) ids.Add(id);
        }
        int? eot = null, eom = null;
        foreach (int id in ids.Distinct().Where(id => id != eos))
        {
            string? text = _tokenizer.IdToToken(id);
            if (text is "<|eot_id|>" or "<|im_end|>" or "<|end|>" or "<end_of_turn>" or "<|end_of_turn|>" or "<EOT>") eot ??= id;
            else if (text == "<|eom_id|>") eom ??= id;
        }
        if (eot is int t) yield return new("tokenizer.ggml.eot_token_id", (uint)t);
        if (eom is int m) yield return new("tokenizer.ggml.eom_token_id", (uint)m);
    }

    public void Write(ExportTensor tensor, GgmlType type, GgufWriter writer)
    {
        if (tensor.Name == GgufTensorNames.RopeFrequencies)
        {
            _encoder.Write(tensor, type, _ropeFactors, _ropeFactors!.Length, writer);
            return;
        }
        string name = _huggingFaceNames[tensor.Name];
        using var scope = torch.NewDisposeScope();
        var weight = _weights.Load(name, torch.ScalarType.Float32);
        int columns = (int)tensor.Dimensions[0];
        long rows = weight.numel() / columns;
        var matrix = weight.reshape(rows, columns);
        int heads = tensor.Name.Contains(".attn_q.", StringComparison.Ordinal) ? Config.NumAttentionHeads : Config.KeyValueHeads;
        bool permute = GgufArchitecture.PermutesQueryKey(_architecture) && GgufTensorNames.IsRopePermuted(tensor.Name);
        if (permute && weight.dim() == 1)
        {
            // A bias: each element is one row of the projection.
            var values = MemoryMarshal.Cast<byte, float>(matrix.contiguous().bytes).ToArray();
            var permuted = new float[values.Length];
            for (int g = 0; g < values.Length; g++) permuted[g] = values[GgufTensorNames.ToHuggingFaceRow(g, heads, values.Length)];
            _encoder.Write(tensor, type, permuted, columns, writer);
            return;
        }
        // Whole heads per chunk when permuting: the permutation never moves a row out of its head.
        long chunk = permute ? rows / heads : Math.Max(1, ChunkElements / columns);
        var buffer = permute ? new float[chunk * columns] : null;
        for (long start = 0; start < rows; start += chunk)
        {
            long count = Math.Min(chunk, rows - start);
            using var slice = matrix.narrow(0, start, count).contiguous();
            var data = MemoryMarshal.Cast<byte, float>(slice.bytes);
            if (buffer is not null)
            {
                for (int g = 0; g < count; g++)
                {
                    int hf = GgufTensorNames.ToHuggingFaceRow((int)(start + g), heads, (int)rows) - (int)start;
                    data.Slice(hf * columns, columns).CopyTo(buffer.AsSpan(g * columns, columns));
                }
                data = buffer.AsSpan(0, (int)(count * columns));
            }
            _encoder.Write(tensor, type, data, columns, writer);
        }
    }

    public void Dispose() => _weights.Dispose();

    private List<ExportTensor> ListTensors()
    {
        var expected = ExpectedShapes(Config);
        var tensors = new List<ExportTensor>();
        foreach (string name in _weights.Names.Order(StringComparer.Ordinal))
        {
            if (name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)) continue; // recomputed, never stored in GGUF
            if (name == "lm_head.weight" && Config.TieWordEmbeddings) continue;           // a redundant copy of the embedding
            var info = _weights.Info(name);
            if (!expected.TryGetValue(name, out long[]? shape) || GgufTensorNames.ToGguf(name) is not string gguf)
                throw new InvalidDataException($"{_directory}: tensor '{name}' is not part of a {Config.Architectures[0]} with this config.json");
            if (info.DType is not (SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16))
                throw new NotSupportedException($"{_directory}: tensor '{name}' is {info.DType.ToHeaderName()}; Strata converts F32, F16 and BF16 weights");
            if (!info.Shape.SequenceEqual(shape))
            {
                throw new InvalidDataException(
                    $"{_directory}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}], config.json implies [{string.Join(", ", shape)}]");
            }
            _huggingFaceNames[gguf] = name;
            tensors.Add(new ExportTensor(gguf, info.Shape.Reverse().ToArray(), info.DType.ToHeaderName(), null));
        }
        string? missing = expected.Keys.FirstOrDefault(name => !_weights.Contains(name));
        if (missing is not null) throw new InvalidDataException($"{_directory}: tensor '{missing}' is missing from the checkpoint");
        return tensors;
    }

    /// <summary>Every tensor a checkpoint of <paramref name="c"/> has, with its HF shape (out, in).</summary>
    private static Dictionary<string, long[]> ExpectedShapes(ModelConfig c)
    {
        long q = (long)c.NumAttentionHeads * c.HeadDimension, kv = (long)c.KeyValueHeads * c.HeadDimension;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["model.embed_tokens.weight"] = [c.VocabSize, c.HiddenSize],
            ["model.norm.weight"] = [c.HiddenSize],
        };
        if (!c.TieWordEmbeddings) shapes["lm_head.weight"] = [c.VocabSize, c.HiddenSize];
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            string p = $"model.layers.{i}.";
            shapes[p + "input_layernorm.weight"] = [c.HiddenSize];
            shapes[p + "post_attention_layernorm.weight"] = [c.HiddenSize];
            shapes[p + "self_attn.q_proj.weight"] = [q, c.HiddenSize];
            shapes[p + "self_attn.k_proj.weight"] = [kv, c.HiddenSize];
            shapes[p + "self_attn.v_proj.weight"] = [kv, c.HiddenSize];
            shapes[p + "self_attn.o_proj.weight"] = [c.HiddenSize, q];
            shapes[p + "mlp.gate_proj.weight"] = [c.IntermediateSize, c.HiddenSize];
            shapes[p + "mlp.up_proj.weight"] = [c.IntermediateSize, c.HiddenSize];
            shapes[p + "mlp.down_proj.weight"] = [c.HiddenSize, c.IntermediateSize];
            if (c.HasAttentionBias)
            {
                shapes[p + "self_attn.q_proj.bias"] = [q];
                shapes[p + "self_attn.k_proj.bias"] = [kv];
                shapes[p + "self_attn.v_proj.bias"] = [kv];
            }
        }
        return shapes;
    }
}

/// <summary>A GGUF file as an export source (requantizing).</summary>
internal sealed class GgufSource : IExportSource
{
    private const int ChunkElements = 1 << 22;

    private readonly GgufFile _file;
    private readonly GgufTensorReader _reader;
    private readonly RowEncoder _encoder;

    public GgufSource(string path)
    {
        _file = GgufFile.Read(path);
        Config = GgufArchitecture.ReadConfig(_file);
        _reader = new GgufTensorReader(_file);
        _encoder = new RowEncoder(_file.Path);
        Tensors = _file.Tensors.Select(t => new ExportTensor(t.Name, t.Shape.Select(d => (long)d).ToArray(),
            GgmlTypes.Name((GgmlType)t.GgmlType), (GgmlType)t.GgmlType)).ToList();
    }

    public ModelConfig Config { get; }

    public IReadOnlyList<ExportTensor> Tensors { get; }

    /// <summary>
    /// The source's metadata in its order, then <c>general.quantization_version</c> and <c>general.file_type</c>, as
    /// llama-quantize writes them (gguf_set_val removes a key and appends it). Split keys are dropped, as llama-quantize
    /// drops them, and so is <c>general.alignment</c> (the output uses the default).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, object>> Metadata(GgufFileType fileType)
    {
        var entries = new List<KeyValuePair<string, object>>();
        foreach (var (key, value) in _file.Metadata)
        {
            if (key is "general.alignment" or "general.file_type" or "general.quantization_version") continue;
            if (key.StartsWith("split.", StringComparison.Ordinal)) continue;
            // GgufFile keeps no element type for an empty array of a rare type; such a key is dropped, not guessed.
            if (value is object[] { Length: 0 } && value.GetType() == typeof(object[])) continue;
            entries.Add(new(key, value));
        }
        entries.Add(new("general.quantization_version", GgufArchitecture.QuantizationVersion));
        entries.Add(new("general.file_type", (uint)fileType));
        return entries;
    }

    public void Write(ExportTensor tensor, GgmlType type, GgufWriter writer)
    {
        var info = _file.Tensors.First(t => t.Name == tensor.Name);
        if (tensor.SourceGgmlType == type)
        {
            _reader.CopyRaw(info, writer.WriteTensorData);
            return;
        }
        int columns = (int)info.Shape[0];
        long rows = GgufTensorReader.RowCount(info);
        int chunk = (int)Math.Max(1, Math.Min(rows, ChunkElements / columns));
        var buffer = new float[chunk * columns];
        for (long start = 0; start < rows; start += chunk)
        {
            int count = (int)Math.Min(chunk, rows - start);
            _reader.ReadRows(info, start, count, buffer);
            _encoder.Write(tensor, type, buffer.AsSpan(0, count * columns), columns, writer);
        }
    }

    public void Dispose() => _reader.Dispose();
}
