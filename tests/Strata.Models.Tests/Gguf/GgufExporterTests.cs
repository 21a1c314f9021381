using Strata.Models.Checkpoints;
using Strata.Models.Configuration;
using Strata.Models.Gguf;
using Strata.Models.Llama;
using Strata.Models.Quantization;
using Strata.Models.Tests.Tokenization;
using Strata.Models.Tokenization;
using TorchSharp;

namespace Strata.Models.Tests.Gguf;

/// <summary>
/// Tiny random checkpoints exported to every type and read back with GgufFile: the tensor types llama.cpp would choose
/// (worked out by hand), GGUF shapes, weights within each format's error (exact for f32, through the Q/K
/// permutation's inverse), metadata that ReadConfig maps back to the source config, the tokenizer, requantizing.
/// </summary>
public sealed class GgufExporterTests : IDisposable
{
    private readonly string _directory = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Rows of 256 so the K-quants apply; untied, 2 layers (use_more_bits holds for layer 1 only), GQA.</summary>
    private static ModelConfig Llama => ModelPresets.Tiny(2048) with
    {
        HiddenSize = 256,
        IntermediateSize = 512,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        TieWordEmbeddings = false,
        BosTokenId = 0,
        EosTokenIds = [0],
    };

    private string Checkpoint(string name, ModelConfig config, bool randomBiases = false)
    {
        string dir = Path.Combine(_directory, name);
        using var model = LlamaCheckpoint.Create(config, seed: 5);
        if (randomBiases)
        {
            using var noGrad = torch.no_grad();
            foreach (var (parameter, value) in model.named_parameters())
                if (parameter.EndsWith(".bias", StringComparison.Ordinal)) value.normal_(0, 0.5);
        }
        LlamaCheckpoint.Save(model, dir);
        BundledTokenizer.SaveTo(Path.Combine(dir, "tokenizer.json"));
        return dir;
    }

    private static GgmlType ExpectedQ4KM(string name) => name switch
    {
        _ when name.EndsWith("norm.weight", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal) => GgmlType.F32,
        "output.weight" => GgmlType.Q6_K,
        "blk.1.attn_v.weight" or "blk.1.ffn_down.weight" => GgmlType.Q6_K,
        _ => GgmlType.Q4_K,
    };

    [Theory]
    [InlineData("f32", 0.0)]
    [InlineData("f16", 0.0004)]
    [InlineData("bf16", 0.003)]
    [InlineData("q8_0", 0.007)]
    [InlineData("q4_0", 0.11)]
    [InlineData("q4_k_m", 0.09)]
    public void EveryTypeReadsBackWithLlamaCppsTensorTypesAndTheOriginalWeights(string typeName, double maxRelativeError)
    {
        string source = Checkpoint("llama-" + typeName, Llama);
        string output = Path.Combine(_directory, typeName + ".gguf");
        var reported = new List<GgufExportProgress>();
        var result = GgufExporter.Export(source, output, GgufFileTypes.Parse(typeName), new SyncProgress(reported.Add));

        var file = GgufFile.Read(output);
        Assert.Equal(2 * 9 + 3, file.Tensors.Count); // per layer: 2 norms, q, k, v, o, gate, up, down
        Assert.Equal(file.Tensors.Select(t => t.Name), reported.Select(r => r.Tensor));
        Assert.Equal(["output.weight", "output_norm.weight", "token_embd.weight", "blk.0.attn_k.weight"], file.Tensors.Take(4).Select(t => t.Name));
        Assert.Equal((uint)GgufFileTypes.Parse(typeName), file.Metadata["general.file_type"]);
        var matrixType = typeName switch
        {
            "f32" => GgmlType.F32,
            "f16" => GgmlType.F16,
            "bf16" => GgmlType.BF16,
            "q8_0" => GgmlType.Q8_0,
            _ => GgmlType.Q4_0,
        };
        using var reader = new GgufTensorReader(file);
        using var weights = CheckpointWeights.Open(source);
        foreach (var tensor in file.Tensors)
        {
            var type = (GgmlType)tensor.GgmlType;
            if (typeName == "q4_k_m") Assert.Equal(ExpectedQ4KM(tensor.Name), type);
            else if (tensor.Shape.Count == 1) Assert.Equal(GgmlType.F32, type);
            else if (typeName == "q4_0" && tensor.Name == "output.weight") Assert.Equal(GgmlType.Q6_K, type);
            else Assert.Equal(matrixType, type);

            string hf = GgufTensorNames.ToHuggingFace(tensor.Name)!;
            using var original = weights.Load(hf, torch.ScalarType.Float32);
            Assert.Equal(original.shape.Reverse().Select(d => (ulong)d), tensor.Shape);
            float[] expected = HfRowsInGgufOrder(original, tensor.Name);
            float[] actual = reader.ReadAll(tensor);
            double error = RelativeRms(expected, actual);
            if (maxRelativeError == 0 || tensor.Shape.Count == 1) Assert.Equal(expected, actual); // f32 (and every 1-D tensor) is exact
            else Assert.True(error < maxRelativeError, $"{tensor.Name} ({GgmlTypes.Name(type)}): relative error {error:G3}");
        }
        Assert.Equal(file.Tensors.Count, result.TensorCount);
    }

    /// <summary>The HF tensor's rows rearranged by the inverse permutation: GGUF row g holds HF row ToHuggingFaceRow(g).</summary>
    private static float[] HfRowsInGgufOrder(torch.Tensor original, string ggufName)
    {
        float[] values = original.contiguous().data<float>().ToArray();
        if (!GgufTensorNames.IsRopePermuted(ggufName)) return values;
        int heads = ggufName.Contains("attn_q", StringComparison.Ordinal) ? Llama.NumAttentionHeads : Llama.KeyValueHeads;
        int rows = (int)original.shape[0], columns = values.Length / rows;
        var permuted = new float[values.Length];
        for (int g = 0; g < rows; g++)
            Array.Copy(values, GgufTensorNames.ToHuggingFaceRow(g, heads, rows) * columns, permuted, g * columns, columns);
        return permuted;
    }

    private static double RelativeRms(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double error = 0, signal = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            error += Math.Pow(expected[i] - actual[i], 2);
            signal += Math.Pow(expected[i], 2);
        }
        return Math.Sqrt(error / signal);
    }

    [Fact]
    public void MetadataMapsBackToTheSourceConfigAndTokenizer()
    {
        var config = Llama with { RopeScaling = ModelPresets.Llama32_1B.RopeScaling, HeadDim = 64, MaxPositionEmbeddings = 4096 };
        string source = Checkpoint("llama3", config);
        string output = Path.Combine(_directory, "llama3.gguf");
        GgufExporter.Export(source, output, GgufFileType.MostlyQ8_0);
        var file = GgufFile.Read(output);
        var read = GgufArchitecture.ReadConfig(file);
        var saved = ModelConfig.Load(source);
        Assert.Equal(saved.Architectures, read.Architectures);
        Assert.Equal((saved.VocabSize, saved.HiddenSize, saved.IntermediateSize, saved.NumHiddenLayers, saved.NumAttentionHeads, saved.KeyValueHeads, saved.HeadDim),
            (read.VocabSize, read.HiddenSize, read.IntermediateSize, read.NumHiddenLayers, read.NumAttentionHeads, read.KeyValueHeads, read.HeadDim));
        Assert.Equal((saved.RmsNormEps, saved.RopeTheta, saved.MaxPositionEmbeddings, saved.TieWordEmbeddings),
            (read.RmsNormEps, read.RopeTheta, read.MaxPositionEmbeddings, read.TieWordEmbeddings));
        Assert.Equal(saved.RopeScaling, read.RopeScaling);
        Assert.Equal((saved.BosTokenId, saved.EosTokenIds[0]), (read.BosTokenId, read.EosTokenIds[0]));
        Assert.Equal(GgmlType.F32, (GgmlType)file.Tensors.Single(t => t.Name == GgufTensorNames.RopeFrequencies).GgmlType);
        Assert.Equal("gpt-2", file.Metadata["tokenizer.ggml.pre"]);
        Assert.Equal("llama3", file.Metadata["general.name"]);

        var original = StrataTokenizer.FromTokenizerJson(Path.Combine(source, "tokenizer.json"));
        var fromGguf = StrataTokenizer.FromGguf(output);
        foreach (string text in HfReference.CommonTexts) Assert.Equal(original.Encode(text), fromGguf.Encode(text));
    }

    [Fact]
    public void Qwen2KeepsBiasesUnpermutedAndTheTiedEmbeddingAtQ8_0()
    {
        var config = ModelPresets.Tiny(2048) with
        {
            Architectures = ["Qwen2ForCausalLM"],
            ModelType = "qwen2",
            HiddenSize = 256,
            IntermediateSize = 512,
            BosTokenId = 0,
            EosTokenIds = [0],
        };
        string source = Checkpoint("qwen2", config, randomBiases: true);
        string output = Path.Combine(_directory, "qwen2.gguf");
        GgufExporter.Export(source, output, GgufFileType.MostlyQ8_0);
        var file = GgufFile.Read(output);
        Assert.Equal("qwen2", file.Metadata["general.architecture"]);
        Assert.Equal(GgmlType.Q8_0, (GgmlType)file.Tensors.Single(t => t.Name == "token_embd.weight").GgmlType);
        Assert.DoesNotContain(file.Tensors, t => t.Name == "output.weight");
        using var reader = new GgufTensorReader(file);
        using var weights = CheckpointWeights.Open(source);
        using var bias = weights.Load("model.layers.1.self_attn.q_proj.bias", torch.ScalarType.Float32);
        Assert.Equal(bias.data<float>().ToArray(), reader.ReadAll(file.Tensors.Single(t => t.Name == "blk.1.attn_q.bias")));
        var read = GgufArchitecture.ReadConfig(file);
        Assert.True(read.HasAttentionBias && read.TieWordEmbeddings);
    }

    [Fact]
    public void LlamaBiasesArePermutedLikeTheirWeights()
    {
        string source = Checkpoint("llama-bias", Llama with { AttentionBias = true }, randomBiases: true);
        string output = Path.Combine(_directory, "llama-bias.gguf");
        GgufExporter.Export(source, output, GgufFileType.AllF32);
        var file = GgufFile.Read(output);
        using var reader = new GgufTensorReader(file);
        using var weights = CheckpointWeights.Open(source);
        using var bias = weights.Load("model.layers.0.self_attn.k_proj.bias", torch.ScalarType.Float32);
        float[] hf = bias.data<float>().ToArray();
        float[] gguf = reader.ReadAll(file.Tensors.Single(t => t.Name == "blk.0.attn_k.bias"));
        for (int g = 0; g < gguf.Length; g++) Assert.Equal(hf[GgufTensorNames.ToHuggingFaceRow(g, Llama.KeyValueHeads, hf.Length)], gguf[g]);
        Assert.NotEqual(hf, gguf);
        Assert.True(GgufArchitecture.ReadConfig(file).HasAttentionBias);
    }

    [Fact]
    public void RequantizingAnF32GgufGivesTheSameFileAsQuantizingTheCheckpoint()
    {
        string source = Checkpoint("requantize", Llama);
        string f32 = Path.Combine(_directory, "requantize-f32.gguf");
        string direct = Path.Combine(_directory, "direct.gguf");
        string viaGguf = Path.Combine(_directory, "via-gguf.gguf");
        string again = Path.Combine(_directory, "again.gguf");
        GgufExporter.Export(source, f32, GgufFileType.AllF32);
        GgufExporter.Export(source, direct, GgufFileType.MostlyQ4_K_M);
        GgufExporter.Export(f32, viaGguf, GgufFileType.MostlyQ4_K_M);
        GgufExporter.Export(viaGguf, again, GgufFileType.MostlyQ4_K_M); // same type: tensors are copied, not requantized
        // Metadata order included: the whole files are equal (llama-quantize on the f32 file writes this file too).
        Assert.Equal(File.ReadAllBytes(direct), File.ReadAllBytes(viaGguf));
        Assert.Equal(File.ReadAllBytes(direct), File.ReadAllBytes(again));
    }

    [Fact]
    public void AlibiModelsAreRefusedAndNothingIsWritten()
    {
        string source = Checkpoint("alibi", Llama with { PositionEncoding = PositionEncoding.Alibi });
        string output = Path.Combine(_directory, "out", "alibi.gguf");
        var e = Assert.Throws<NotSupportedException>(() => GgufExporter.Export(source, output, GgufFileType.MostlyQ8_0));
        Assert.Contains("ALiBi", e.Message);
        Assert.Contains("config.json", e.Message);
        Assert.False(Directory.Exists(Path.GetDirectoryName(output)) && Directory.EnumerateFiles(Path.GetDirectoryName(output)!).Any());
    }

    [Fact]
    public void BadCheckpointsNameTheTensor()
    {
        string source = Checkpoint("bad", Llama);
        var config = ModelConfig.Load(source);
        (config with { IntermediateSize = 768 }).Save(source);
        var shape = Assert.Throws<InvalidDataException>(() => GgufExporter.Export(source, Path.Combine(_directory, "bad.gguf"), GgufFileType.AllF32));
        Assert.Contains("model.layers.0.mlp.down_proj.weight", shape.Message);
        Assert.Contains("[256, 512]", shape.Message);

        (config with { NumHiddenLayers = 3 }).Save(source);
        var missing = Assert.Throws<InvalidDataException>(() => GgufExporter.Export(source, Path.Combine(_directory, "bad.gguf"), GgufFileType.AllF32));
        Assert.Contains("model.layers.2.", missing.Message);

        config.Save(source);
        File.Delete(Path.Combine(source, "tokenizer.json"));
        var tokenizer = Assert.Throws<FileNotFoundException>(() => GgufExporter.Export(source, Path.Combine(_directory, "bad.gguf"), GgufFileType.AllF32));
        Assert.Contains("tokenizer.json", tokenizer.Message);
        Assert.False(File.Exists(Path.Combine(_directory, "bad.gguf")));
    }

    [Fact]
    public void ATruncatedGgufIsRefusedNamingTheTensor()
    {
        string source = Checkpoint("truncate", Llama);
        string gguf = Path.Combine(_directory, "truncate.gguf");
        GgufExporter.Export(source, gguf, GgufFileType.MostlyQ8_0);
        var file = GgufFile.Read(gguf);
        var last = file.Tensors.MaxBy(t => t.Offset)!;
        using (var stream = new FileStream(gguf, FileMode.Open)) stream.SetLength(file.DataOffset + (long)last.Offset + 10);
        var e = Assert.Throws<InvalidDataException>(() => GgufExporter.Export(gguf, Path.Combine(_directory, "t2.gguf"), GgufFileType.MostlyQ4_0));
        Assert.Contains(last.Name, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedNamingTheTensor()
    {
        string source = Checkpoint("nan", Llama);
        using (var weights = CheckpointWeights.Open(source))
        {
            var tensors = weights.Names.ToDictionary(n => n, n => weights.Load(n));
            tensors["model.layers.1.mlp.up_proj.weight"][3, 7] = torch.tensor(float.NaN);
            weights.Dispose();
            CheckpointWeights.Save(source, tensors);
        }
        var e = Assert.Throws<InvalidDataException>(() => GgufExporter.Export(source, Path.Combine(_directory, "nan.gguf"), GgufFileType.MostlyQ8_0));
        Assert.Contains("blk.1.ffn_up.weight", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    private static string Describe(GgufTensorInfo t) => $"{t.Name} [{string.Join(", ", t.Shape)}] {t.GgmlType} @{t.Offset}";

    private sealed class SyncProgress(Action<GgufExportProgress> report) : IProgress<GgufExportProgress>
    {
        public void Report(GgufExportProgress value) => report(value);
    }
}
