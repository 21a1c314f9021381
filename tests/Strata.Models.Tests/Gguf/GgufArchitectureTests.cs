using Strata.Models.Configuration;
using Strata.Models.Gguf;
using Strata.Models.Quantization;

namespace Strata.Models.Tests.Gguf;

/// <summary>ModelConfig → GGUF metadata (+ the tensors that carry configuration) → ReadConfig round trips, and refusals.</summary>
public sealed class GgufArchitectureTests : IDisposable
{
    private readonly string _directory = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Presets => ["tiny", "smollm2", "llama32", "qwen25", "linear", "untied-bias"];

    private static ModelConfig Preset(string name) => name switch
    {
        "tiny" => ModelPresets.Tiny(2048) with { BosTokenId = 0, EosTokenIds = [0] },
        "smollm2" => ModelPresets.SmolLM2_135M,
        "llama32" => ModelPresets.Llama32_1B,
        "qwen25" => ModelPresets.Qwen25_05B,
        "linear" => ModelPresets.Tiny(300) with { RopeScaling = new RopeScaling { RopeType = "linear", Factor = 2.5 }, RopeTheta = 12345.5 },
        "untied-bias" => ModelPresets.Small(500) with { TieWordEmbeddings = false, AttentionBias = true, RmsNormEps = 1e-6 },
        _ => throw new ArgumentException(name),
    };

    /// <summary>Writes what the exporter writes for configuration: metadata, rope_freqs, and (here empty) marker tensors.</summary>
    private string Write(ModelConfig config, string file)
    {
        string path = Path.Combine(_directory, file);
        using var writer = new GgufWriter(path);
        foreach (var (key, value) in GgufArchitecture.WriteMetadata(config, GgufFileType.MostlyQ8_0, "test"))
            writer.AddMetadata(key, value);
        if (config.BosTokenId is int bos) writer.AddMetadata("tokenizer.ggml.bos_token_id", (uint)bos);
        if (config.EosTokenIds.Count > 0) writer.AddMetadata("tokenizer.ggml.eos_token_id", (uint)config.EosTokenIds[0]);
        var factors = GgufRopeFactors.FromConfig(config);
        if (factors is not null) writer.AddTensor(GgufTensorNames.RopeFrequencies, GgmlType.F32, [factors.Length]);
        if (!config.TieWordEmbeddings) writer.AddTensor("output.weight", GgmlType.F32, [1, 1]);
        if (config.HasAttentionBias) writer.AddTensor("blk.0.attn_q.bias", GgmlType.F32, [1]);
        if (factors is not null) writer.WriteTensorData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(factors.AsSpan()));
        while (writer.CurrentTensor is not null) writer.WriteTensorData(new byte[4]);
        writer.Complete();
        return path;
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void ReadConfigGivesBackTheWrittenConfig(string preset)
    {
        var source = Preset(preset);
        var read = GgufArchitecture.ReadConfig(GgufFile.Read(Write(source, preset + ".gguf")));
        Assert.Equal(source.Architectures, read.Architectures);
        Assert.Equal(source.ModelType, read.ModelType);
        Assert.Equal(
            (source.VocabSize, source.HiddenSize, source.IntermediateSize, source.NumHiddenLayers, source.NumAttentionHeads, source.KeyValueHeads),
            (read.VocabSize, read.HiddenSize, read.IntermediateSize, read.NumHiddenLayers, read.NumAttentionHeads, read.KeyValueHeads));
        Assert.Equal((source.HeadDim, source.HeadDimension), (read.HeadDim, read.HeadDimension));
        Assert.Equal((source.RmsNormEps, source.RopeTheta, source.MaxPositionEmbeddings), (read.RmsNormEps, read.RopeTheta, read.MaxPositionEmbeddings));
        Assert.Equal((source.TieWordEmbeddings, source.HasAttentionBias), (read.TieWordEmbeddings, read.HasAttentionBias));
        Assert.Equal(source.BosTokenId, read.BosTokenId);
        Assert.Equal(source.EosTokenIds, read.EosTokenIds);
        Assert.Equal(source.RopeScaling, read.RopeScaling);
        Assert.Equal(PositionEncoding.Rope, read.PositionEncoding);
    }

    [Fact]
    public void MetadataUsesLlamaCppsKeysAndTypes()
    {
        var metadata = GgufArchitecture.WriteMetadata(ModelPresets.SmolLM2_135M, GgufFileType.MostlyQ4_K_M).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("llama", metadata["general.architecture"]);
        Assert.Equal(15u, metadata["general.file_type"]);
        Assert.Equal(2u, metadata["general.quantization_version"]);
        Assert.Equal(576u, metadata["llama.embedding_length"]);
        Assert.Equal(30u, metadata["llama.block_count"]);
        Assert.Equal(1536u, metadata["llama.feed_forward_length"]);
        Assert.Equal(9u, metadata["llama.attention.head_count"]);
        Assert.Equal(3u, metadata["llama.attention.head_count_kv"]);
        Assert.Equal(8192u, metadata["llama.context_length"]);
        Assert.Equal(64u, metadata["llama.rope.dimension_count"]);
        Assert.Equal(100000f, metadata["llama.rope.freq_base"]);
        Assert.Equal(1e-5f, metadata["llama.attention.layer_norm_rms_epsilon"]);
        Assert.Equal(49152u, metadata["llama.vocab_size"]);
        var qwen = GgufArchitecture.WriteMetadata(ModelPresets.Qwen25_05B, GgufFileType.MostlyF16).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("qwen2", qwen["general.architecture"]);
        Assert.Equal(2u, qwen["qwen2.attention.head_count_kv"]);
        Assert.Equal(1u, qwen["general.file_type"]);
    }

    [Fact]
    public void Llama3ScalingIsATensorOfDivisors()
    {
        // Llama 3.2 1B: θ = 500000, head_dim 64, factor 32, low 1, high 4, original 8192. Frequency i has wavelength
        // 2π·500000^(2i/64): i ≤ 14 are below 8192/4 (divisor 1), i ≥ 18 above 8192/1 (divisor 32), 15–17 blend.
        var factors = GgufRopeFactors.FromConfig(ModelPresets.Llama32_1B)!;
        Assert.Equal(32, factors.Length);
        Assert.All(factors[..15], f => Assert.Equal(1f, f));
        Assert.All(factors[18..], f => Assert.Equal(32f, f));
        // i = 16: wavelength 2π·500000^0.5 = 4442.88; smooth = (8192/4442.88 − 1)/3 = 0.28128; 1/((1 − s)/32 + s) = 3.2922.
        Assert.Equal(3.2922, factors[16], 3);
        Assert.True(factors[15] < factors[16] && factors[16] < factors[17]);
        Assert.Null(GgufRopeFactors.FromConfig(ModelPresets.SmolLM2_135M));
    }

    [Theory]
    [InlineData(10000.0, 16, 8.0, 1.0, 4.0, 64)]     // a tiny model: no blended frequency at all
    [InlineData(10000.0, 64, 8.0, 1.0, 4.0, 8192)]   // Llama 3.1 8B's rule
    [InlineData(500000.0, 128, 8.0, 1.0, 4.0, 8192)]
    [InlineData(10000.0, 16, 4.0, 1.0, 2.0, 256)]
    [InlineData(10000.0, 32, 16.0, 2.0, 8.0, 4096)]
    public void DivisorsMapBackToParametersThatReproduceThem(double theta, int headDim, double factor, double low, double high, int original)
    {
        var divisors = GgufRopeFactors.Compute(theta, headDim, factor, low, high, original);
        var scaling = GgufRopeFactors.ToRopeScaling(divisors, theta, headDim, original, "test.gguf")!;
        Assert.Equal("llama3", scaling.Kind);
        Assert.Equal(factor, scaling.Factor, 6);
        var again = GgufRopeFactors.Compute(theta, headDim, scaling.Factor, scaling.LowFreqFactor!.Value, scaling.HighFreqFactor!.Value, original);
        for (int i = 0; i < divisors.Length; i++) Assert.Equal(divisors[i], again[i], 5);
    }

    [Fact]
    public void DivisorsThatAreNotLlama3sRuleAreRefused()
    {
        float[] wrong = [1, 5, 1, 5, 1, 5, 1, 5];
        var e = Assert.Throws<InvalidDataException>(() => GgufRopeFactors.ToRopeScaling(wrong, 10000, 16, 8192, "bad.gguf"));
        Assert.Contains("bad.gguf", e.Message);
        Assert.Null(GgufRopeFactors.ToRopeScaling(Enumerable.Repeat(1f, 8).ToArray(), 10000, 16, 8192, "ones.gguf"));
    }

    [Fact]
    public void OtherArchitecturesAreRefusedNamingFileAndArchitecture()
    {
        string path = Path.Combine(_directory, "phi.gguf");
        using (var writer = new GgufWriter(path))
        {
            writer.AddMetadata("general.architecture", "phi3");
            writer.Complete();
        }
        var e = Assert.Throws<NotSupportedException>(() => GgufArchitecture.ReadConfig(GgufFile.Read(path)));
        Assert.Contains(path, e.Message);
        Assert.Contains("'phi3'", e.Message);
    }

    [Fact]
    public void MissingHyperparametersNameTheKey()
    {
        string path = Path.Combine(_directory, "partial.gguf");
        using (var writer = new GgufWriter(path))
        {
            foreach (var (key, value) in GgufArchitecture.WriteMetadata(ModelPresets.Tiny(10), GgufFileType.AllF32))
                if (key != "llama.feed_forward_length") writer.AddMetadata(key, value);
            writer.Complete();
        }
        var e = Assert.Throws<InvalidDataException>(() => GgufArchitecture.ReadConfig(GgufFile.Read(path)));
        Assert.Contains("llama.feed_forward_length", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ConfigsLlamaCppCannotRunAreRefused()
    {
        var alibi = Assert.Throws<NotSupportedException>(() =>
            GgufArchitecture.WriteMetadata(ModelPresets.Tiny(10) with { PositionEncoding = PositionEncoding.Alibi }, GgufFileType.AllF32, source: "m/config.json"));
        Assert.Contains("ALiBi", alibi.Message);
        Assert.Contains("m/config.json", alibi.Message);
        var qwenLlama3 = ModelPresets.Qwen25_05B with { RopeScaling = ModelPresets.Llama32_1B.RopeScaling };
        Assert.Throws<NotSupportedException>(() => GgufArchitecture.WriteMetadata(qwenLlama3, GgufFileType.AllF32));
        var other = ModelPresets.Tiny(10) with { Architectures = ["GPT2LMHeadModel"] };
        Assert.Contains("GPT2LMHeadModel", Assert.Throws<NotSupportedException>(() => GgufArchitecture.WriteMetadata(other, GgufFileType.AllF32)).Message);
    }
}
