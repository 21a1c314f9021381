using Strata.Models.Checkpoints;
using Strata.Models.Quantization;

namespace Strata.Models.Native;

/// <summary>A tensor as stored: element type, shape in PyTorch order ([rows, columns] for a matrix) and its bytes in place.</summary>
internal readonly unsafe struct StoredTensor(string name, GgmlType type, long[] shape, byte* data)
{
    public readonly string Name = name;
    public readonly GgmlType Type = type;
    public readonly long[] Shape = shape;
    public readonly byte* Data = data;
}

/// <summary>
/// Where the native runtime finds weights by their Hugging Face names (<c>model.layers.0.self_attn.q_proj.weight</c>):
/// a safetensors checkpoint, or a GGUF file whose names are translated. The bytes stay in the file's mapping.
/// </summary>
internal interface ITensorSource : IDisposable
{
    /// <summary>The file or folder, for error messages.</summary>
    string Origin { get; }

    bool Contains(string name);

    /// <exception cref="InvalidDataException">Missing, or of a type the runtime cannot read; the message names the file and tensor.</exception>
    StoredTensor Get(string name);
}

/// <summary>A Hugging Face checkpoint's (possibly sharded) safetensors, memory-mapped.</summary>
internal sealed unsafe class SafeTensorsSource(string directory) : ITensorSource
{
    private readonly CheckpointWeights weights = CheckpointWeights.Open(directory);

    public string Origin => weights.Directory;

    public bool Contains(string name) => weights.Contains(name);

    public StoredTensor Get(string name)
    {
        if (!weights.Contains(name)) throw new InvalidDataException($"{Origin}: missing tensor '{name}'");
        var info = weights.Info(name);
        var type = info.DType switch
        {
            SafeTensorDType.F32 => GgmlType.F32,
            SafeTensorDType.F16 => GgmlType.F16,
            SafeTensorDType.BF16 => GgmlType.BF16,
            _ => throw new InvalidDataException($"{Origin}: tensor '{name}' is {info.DType}; the native runtime reads F32, F16 and BF16 safetensors"),
        };
        return new StoredTensor(name, type, info.Shape, weights.Pointer(name));
    }

    public void Dispose() => weights.Dispose();
}
