namespace Strata.Models.Configuration;

/// <summary>Named model shapes: Strata's own small presets and the shapes of well-known open models.</summary>
public static class ModelPresets
{
    /// <summary>
    /// nanoGPT's CPU recipe (4 layers, 4 heads, 128 wide) in the Llama layout; the SwiGLU width 352 ≈ ⅔·4·128
    /// keeps the MLP's parameter count equal to nanoGPT's 4× GELU MLP.
    /// </summary>
    public static ModelConfig Nano(int vocabSize) => new()
    {
        VocabSize = vocabSize,
        HiddenSize = 128,
        IntermediateSize = 352,
        NumHiddenLayers = 4,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 4,
        MaxPositionEmbeddings = 256,
        RmsNormEps = 1e-5,
        TieWordEmbeddings = true,
    };

    /// <summary>For tests and smoke runs: a few hundred thousand parameters plus the embedding.</summary>
    public static ModelConfig Tiny(int vocabSize) => new()
    {
        VocabSize = vocabSize,
        HiddenSize = 64,
        IntermediateSize = 176,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 512,
        RmsNormEps = 1e-5,
        TieWordEmbeddings = true,
    };

    /// <summary>A model that learns something useful on a 2-core CPU in minutes.</summary>
    public static ModelConfig Small(int vocabSize) => new()
    {
        VocabSize = vocabSize,
        HiddenSize = 256,
        IntermediateSize = 688,
        NumHiddenLayers = 6,
        NumAttentionHeads = 8,
        NumKeyValueHeads = 4,
        MaxPositionEmbeddings = 1024,
        RmsNormEps = 1e-5,
        TieWordEmbeddings = true,
    };

    /// <summary>HuggingFaceTB/SmolLM2-135M.</summary>
    public static ModelConfig SmolLM2_135M { get; } = new()
    {
        VocabSize = 49152,
        HiddenSize = 576,
        IntermediateSize = 1536,
        NumHiddenLayers = 30,
        NumAttentionHeads = 9,
        NumKeyValueHeads = 3,
        HeadDim = 64,
        RopeTheta = 100000,
        MaxPositionEmbeddings = 8192,
        RmsNormEps = 1e-5,
        TieWordEmbeddings = true,
        BosTokenId = 0,
        EosTokenIds = [0],
    };

    /// <summary>meta-llama/Llama-3.2-1B.</summary>
    public static ModelConfig Llama32_1B { get; } = new()
    {
        VocabSize = 128256,
        HiddenSize = 2048,
        IntermediateSize = 8192,
        NumHiddenLayers = 16,
        NumAttentionHeads = 32,
        NumKeyValueHeads = 8,
        HeadDim = 64,
        RopeTheta = 500000,
        RopeScaling = new RopeScaling
        {
            RopeType = "llama3",
            Factor = 32,
            LowFreqFactor = 1,
            HighFreqFactor = 4,
            OriginalMaxPositionEmbeddings = 8192,
        },
        MaxPositionEmbeddings = 131072,
        RmsNormEps = 1e-5,
        TieWordEmbeddings = true,
        BosTokenId = 128000,
        EosTokenIds = [128001],
        TorchDtype = "bfloat16",
    };

    /// <summary>Qwen/Qwen2.5-0.5B.</summary>
    public static ModelConfig Qwen25_05B { get; } = new()
    {
        Architectures = ["Qwen2ForCausalLM"],
        ModelType = "qwen2",
        VocabSize = 151936,
        HiddenSize = 896,
        IntermediateSize = 4864,
        NumHiddenLayers = 24,
        NumAttentionHeads = 14,
        NumKeyValueHeads = 2,
        RopeTheta = 1000000,
        MaxPositionEmbeddings = 32768,
        RmsNormEps = 1e-6,
        TieWordEmbeddings = true,
        BosTokenId = 151643,
        EosTokenIds = [151643],
        TorchDtype = "bfloat16",
    };

    /// <summary>The presets <c>strata init --preset</c> accepts.</summary>
    public static ModelConfig ByName(string name, int vocabSize) => name.ToLowerInvariant() switch
    {
        "nano" => Nano(vocabSize),
        "tiny" => Tiny(vocabSize),
        "small" => Small(vocabSize),
        "smollm2-135m" => SmolLM2_135M with { VocabSize = vocabSize },
        _ => throw new ArgumentException($"unknown preset '{name}' (nano, tiny, small, smollm2-135m)", nameof(name)),
    };
}
