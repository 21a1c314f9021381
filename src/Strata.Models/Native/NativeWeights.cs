using System.Runtime.InteropServices;
using Strata.Models.Configuration;
using Strata.Models.Native.Kernels;
using Strata.Models.Native.Packing;
using Strata.Models.Quantization;

namespace Strata.Models.Native;

/// <summary>One decoder layer's weights: matrices in place in the file, norm weights and biases as owned floats.</summary>
internal sealed unsafe class NativeLayer
{
    public required float* AttentionNorm;
    public required WeightMatrix Query, Key, Value, Output;
    public float* QueryBias, KeyBias, ValueBias;
    public required float* FeedForwardNorm;
    public required WeightMatrix Gate, Up, Down;
}

/// <summary>
/// The weights of a Llama-layout model for the native runtime, looked up by Hugging Face names in an
/// <see cref="ITensorSource"/> and checked against the config's shapes. Matrices are not copied: they point into the
/// file's memory mapping, so resident memory is what the kernels touch. Vectors (norms, biases) are copied to float32.
/// </summary>
internal sealed unsafe class NativeWeights : IDisposable
{
    private readonly ITensorSource source;
    private readonly List<nint> owned = [];
    private readonly List<PackedMatrix> packedMatrices = [];

    public NativeWeights(ModelConfig config, ITensorSource source)
    {
        this.source = source;
        Config = config;
        int hidden = config.HiddenSize, headDim = config.HeadDimension;
        int queryWidth = config.NumAttentionHeads * headDim, keyWidth = config.KeyValueHeads * headDim;
        bool tied = config.TieWordEmbeddings || !source.Contains("lm_head.weight");
        // The embedding is read a row per token; it is multiplied only when it doubles as the LM head.
        Embedding = Matrix("model.embed_tokens.weight", config.VocabSize, hidden, pack: tied);
        Layers = new NativeLayer[config.NumHiddenLayers];
        for (int i = 0; i < Layers.Length; i++)
        {
            string p = $"model.layers.{i}.";
            bool bias = config.HasAttentionBias;
            Layers[i] = new NativeLayer
            {
                AttentionNorm = Vector(p + "input_layernorm.weight", hidden),
                Query = Matrix(p + "self_attn.q_proj.weight", queryWidth, hidden),
                Key = Matrix(p + "self_attn.k_proj.weight", keyWidth, hidden),
                Value = Matrix(p + "self_attn.v_proj.weight", keyWidth, hidden),
                Output = Matrix(p + "self_attn.o_proj.weight", hidden, queryWidth),
                QueryBias = bias ? Vector(p + "self_attn.q_proj.bias", queryWidth) : null,
                KeyBias = bias ? Vector(p + "self_attn.k_proj.bias", keyWidth) : null,
                ValueBias = bias ? Vector(p + "self_attn.v_proj.bias", keyWidth) : null,
                FeedForwardNorm = Vector(p + "post_attention_layernorm.weight", hidden),
                Gate = Matrix(p + "mlp.gate_proj.weight", config.IntermediateSize, hidden),
                Up = Matrix(p + "mlp.up_proj.weight", config.IntermediateSize, hidden),
                Down = Matrix(p + "mlp.down_proj.weight", hidden, config.IntermediateSize),
            };
        }
        FinalNorm = Vector("model.norm.weight", hidden);
        // A tied model reads its output projection from the embedding (some files still carry a copy as lm_head).
        LanguageModelHead = tied
            ? Embedding
            : Matrix("lm_head.weight", config.VocabSize, hidden);
    }

    public ModelConfig Config { get; }

    public WeightMatrix Embedding { get; }

    public NativeLayer[] Layers { get; }

    public float* FinalNorm { get; }

    public WeightMatrix LanguageModelHead { get; }

    /// <summary>Bytes of all matrices (what a decode step reads).</summary>
    public long MatrixBytes => Layers.Sum(l => l.Query.Bytes + l.Key.Bytes + l.Value.Bytes + l.Output.Bytes + l.Gate.Bytes + l.Up.Bytes + l.Down.Bytes)
        + Embedding.Bytes + (LanguageModelHead.Data == Embedding.Data ? 0 : LanguageModelHead.Bytes);

    /// <summary>The distinct storage types of the matrices, for logs ("q4_K, q6_K, q8_0").</summary>
    public IReadOnlyList<GgmlType> MatrixTypes => Layers.SelectMany(l => new[] { l.Query, l.Key, l.Value, l.Output, l.Gate, l.Up, l.Down })
        .Append(Embedding).Append(LanguageModelHead).Select(m => m.Type).Distinct().Order().ToArray();

    private WeightMatrix Matrix(string name, int rows, int columns, bool pack = true)
    {
        var tensor = source.Get(name);
        if (tensor.Shape.Length != 2 || tensor.Shape[0] != rows || tensor.Shape[1] != columns)
        {
            throw new InvalidDataException($"{source.Origin}: tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}], the config implies [{rows}, {columns}]");
        }
        if (!WeightMatrix.Multiplies(tensor.Type))
        {
            throw new InvalidDataException($"{source.Origin}: tensor '{name}' is {tensor.Type}; the native runtime multiplies F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K and Q6_K weights");
        }
        if (columns % GgmlTypes.BlockSize(tensor.Type) != 0)
        {
            throw new InvalidDataException($"{source.Origin}: tensor '{name}' is quantized ({tensor.Type}) but its rows of {columns} are not whole blocks");
        }
        long rowBytes = GgmlTypes.RowBytes(tensor.Type, columns);
        var matrix = new WeightMatrix(tensor.Data, tensor.Type, rows, columns, rowBytes);
        if (pack && tensor.Type == GgmlType.F16)
        {
            return new WeightMatrix(tensor.Data, tensor.Type, rows, columns, rowBytes, halfCorrections: HalfCorrections.Build(matrix));
        }
        if (!pack || !PackedMatrix.CanPack(tensor.Type) || !PackedKernels.Supported(PackedMatrix.FormatOf(tensor.Type)))
        {
            return matrix;
        }
        var packed = PackedMatrix.Pack(matrix);
        packedMatrices.Add(packed);
        // The products read the packed copy from now on: give the file's pages back (they stay in the page cache), so
        // resident memory holds the model once. Embedding lookups fault single rows back in as tokens need them.
        MemoryAdvice.DontNeed(tensor.Data, rows * rowBytes);
        return new WeightMatrix(tensor.Data, tensor.Type, rows, columns, rowBytes, packed);
    }

    private float* Vector(string name, int length)
    {
        var tensor = source.Get(name);
        if (tensor.Shape.Length != 1 || tensor.Shape[0] != length)
        {
            throw new InvalidDataException($"{source.Origin}: tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}], the config implies [{length}]");
        }
        var values = (float*)NativeMemory.AlignedAlloc((nuint)(length * sizeof(float)), 64);
        owned.Add((nint)values);
        new WeightMatrix(tensor.Data, tensor.Type, 1, length, GgmlTypes.RowBytes(tensor.Type, length)).DequantizeRow(0, values);
        return values;
    }

    public void Dispose()
    {
        foreach (nint pointer in owned) NativeMemory.AlignedFree((void*)pointer);
        owned.Clear();
        foreach (var packed in packedMatrices) packed.Dispose();
        packedMatrices.Clear();
        source.Dispose();
    }
}
