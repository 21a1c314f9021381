namespace Strata.Models.Inference;

/// <summary>Which runtime executes a model (<c>--backend</c>).</summary>
public enum BackendKind
{
    /// <summary>The native CPU runtime for inference on CPU; TorchSharp where the native runtime cannot run the model.</summary>
    Auto,

    /// <summary>TorchSharp (libtorch): what training uses.</summary>
    Torch,

    /// <summary>Strata's own CPU runtime: memory-mapped F32/F16/BF16 and ggml-quantized weights, SIMD kernels.</summary>
    Native,
}
