using System.Text.Json;
using Strata.Models.Configuration;
using Strata.Models.Generation;
using Strata.Models.Gguf;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Loading;
using Strata.Models.Tests.Support;
using Strata.Models.Tokenization;

namespace Strata.Models.Tests.Native;

/// <summary>
/// GGUF files through the native runtime: the golden checkpoints written as F32 GGUF (llama's permuted Q/K rows,
/// Qwen2's biases, llama3's rope_freqs, linear scaling) still match the numpy reference; quantized files match the
/// same weights dequantized by the reference dequantizers; broken files are refused by name.
/// </summary>
public sealed class GgufRuntimeTests
{
    private sealed record Golden(int[] input_ids, double[] token_logprobs, double[] last_logits, int[] greedy);

    public static TheoryData<string> GoldenCases => new(["llama-gqa-untied", "qwen2-bias-tied", "llama3-scaling", "linear-scaling-bf16"]);

    /// <summary>A copy of a golden checkpoint with a tokenizer (the exporter needs one; the reference ignores it).</summary>
    private static string WithTokenizer(string name)
    {
        string source = Path.Combine(TestPaths.Golden, "models", name);
        string directory = TestPaths.NewTemporaryDirectory();
        foreach (string file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        WriteByteTokenizer(Path.Combine(directory, "tokenizer.json"), ModelConfig.Load(directory).VocabSize);
        return directory;
    }

    /// <summary>A byte-level BPE tokenizer.json of the first <paramref name="size"/> byte values and no merges.</summary>
    private static void WriteByteTokenizer(string path, int size)
    {
        var vocabulary = Enumerable.Range(0, size).Select(b => new[] { (byte)b }).ToArray();
        TokenizerJsonWriter.Write(new BpeModel(vocabulary, [], [], BpeModel.Gpt2Pattern), path);
    }

    [Theory, MemberData(nameof(GoldenCases))]
    public async Task F32GgufOfAGoldenCheckpointMatchesTheReference(string name)
    {
        string directory = WithTokenizer(name);
        var golden = JsonSerializer.Deserialize<Golden>(File.ReadAllText(Path.Combine(directory, "golden.json")))!;
        string gguf = Path.Combine(directory, "model-f32.gguf");
        GgufExporter.Export(directory, gguf, GgufFileType.AllF32);

        var package = ModelPackage.Open(gguf);
        Assert.Equal(ModelFormat.Gguf, package.Format);
        using var backend = package.LoadBackend();
        Assert.Equal("native", backend.Name);
        double[] actual = backend.TokenLogProbs(golden.input_ids);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(golden.token_logprobs[i] - actual[i]) < 1e-4, $"{name}: token {i + 1}: reference {golden.token_logprobs[i]}, GGUF {actual[i]}");
        }
        var options = SamplingOptions.Greedy with { MaxTokens = golden.greedy.Length, StopAtEndOfSequence = false };
        var result = await new TextGenerator(new BackendLanguageModel(backend, []), ByteTokenizer.Instance).GenerateAsync(golden.input_ids, options);
        Assert.Equal(golden.greedy, result.TokenIds);
    }

    public static TheoryData<string, double> QuantizedCases => new()
    {
        { "q8_0", 0.02 },
        { "q4_0", 0.05 },
        { "q5_0", 0.05 },
        { "q4_k_m", 0.05 },
    };

    /// <summary>
    /// The quantized kernels (integer products with 8-bit activations) against float products with the same weights as
    /// the reference dequantizers decode them: the file requantized to F32 holds exactly those weights. What remains is
    /// the activations' 8-bit rounding, a small fraction of a nat per token.
    /// </summary>
    [Theory, MemberData(nameof(QuantizedCases))]
    public void QuantizedKernelsMatchTheDequantizedWeights(string type, double tolerance)
    {
        string directory = RandomModel(ModelPresets.Tiny(96) with { HiddenSize = 256, IntermediateSize = 512, NumAttentionHeads = 4, NumKeyValueHeads = 2 });
        string quantized = Path.Combine(directory, $"model-{type}.gguf");
        string dequantized = Path.Combine(directory, "dequantized-f32.gguf");
        GgufExporter.Export(directory, quantized, GgufFileTypes.Parse(type));
        GgufExporter.Export(quantized, dequantized, GgufFileType.AllF32);
        int[] ids = Enumerable.Range(0, 40).Select(i => (i * 37 + 5) % 96).ToArray();
        using var fast = ModelPackage.Open(quantized).LoadBackend();
        using var exact = ModelPackage.Open(dequantized).LoadBackend();
        var expected = exact.TokenLogProbs(ids);
        var actual = fast.TokenLogProbs(ids);
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst < tolerance, $"{type}: worst log-prob difference {worst}");
        Assert.True(worst > 0, $"{type}: identical results; the quantized kernels were not exercised");
    }

    [Fact]
    public void Q4KmFileOfASmolLm2ShapedModelHoldsTheFallbackTypes()
    {
        // Rows of 576 are not whole 256-value super-blocks: llama.cpp writes Q5_0/Q8_0 there, and Strata must read both.
        string directory = RandomModel(ModelPresets.Tiny(96) with { HiddenSize = 576, IntermediateSize = 1536, NumAttentionHeads = 9, NumKeyValueHeads = 3, HeadDim = 64, NumHiddenLayers = 2 });
        string file = Path.Combine(directory, "model.gguf");
        GgufExporter.Export(directory, file, GgufFileType.MostlyQ4_K_M);
        using var backend = (Strata.Models.Native.NativeBackend)ModelPackage.Open(file).LoadBackend();
        Assert.Contains("Q5_0", backend.WeightTypes);
        Assert.Contains("Q4_K", backend.WeightTypes);
        Assert.Contains("Q6_K", backend.WeightTypes);
        Assert.All(backend.TokenLogProbs([1, 2, 3, 4, 5]), v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void BrokenFilesAreRefusedByName()
    {
        string directory = RandomModel(ModelPresets.Tiny(96) with { HiddenSize = 64, IntermediateSize = 128 });
        string file = Path.Combine(directory, "model.gguf");
        GgufExporter.Export(directory, file, GgufFileType.AllF32);

        string truncated = Path.Combine(directory, "truncated.gguf");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length - 1000)]);
        var error = Assert.Throws<InvalidDataException>(() => ModelPackage.Open(truncated).LoadBackend());
        Assert.Contains("truncated.gguf", error.Message);
        Assert.Contains("runs past the end", error.Message);

        string notGguf = Path.Combine(directory, "not.gguf");
        File.WriteAllText(notGguf, "GGML is not GGUF");
        Assert.Contains("not a GGUF file", Assert.Throws<InvalidDataException>(() => ModelPackage.Open(notGguf)).Message);

        var torch = Assert.Throws<NotSupportedException>(() => ModelPackage.Open(file).LoadBackend(BackendKind.Torch));
        Assert.Contains("Hugging Face folder", torch.Message);
    }

    [Fact]
    public async Task CommandsTakeAGgufFileWhereTheyTakeAFolder()
    {
        string directory = RandomModel(ModelPresets.Tiny(96) with { HiddenSize = 64, IntermediateSize = 128 });
        string file = Path.Combine(directory, "tiny-q8.gguf");
        var (code, _, error) = await Cli("quantize", "--model", directory, "--type", "q8_0", "--out", file);
        Assert.True(code == 0, error);

        (code, string output, error) = await Cli("inspect", file);
        Assert.True(code == 0, error);
        Assert.Contains("GGUF", output);
        Assert.Contains("q8_0", output);

        (code, output, error) = await Cli("generate", "--model", file, "--prompt", "AB", "--max-tokens", "4", "--temperature", "0");
        Assert.True(code == 0, error);
        Assert.Contains("4 generated", error);

        (code, output, error) = await Cli("score", "--model", file, "--text", "ABC", "--json");
        Assert.True(code == 0, error);
        Assert.Contains("\"logprob\"", output);

        (code, _, error) = await Cli("generate", "--model", file, "--prompt", "AB", "--backend", "torch");
        Assert.NotEqual(0, code);
        Assert.Contains("Hugging Face folder", error);
    }

    private static async Task<(int Code, string Output, string Error)> Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await Strata.Cli.StrataCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string RandomModel(ModelConfig config)
    {
        string directory = TestPaths.NewTemporaryDirectory();
        using var model = LlamaCheckpoint.Create(config with { VocabSize = 96 }, seed: 11);
        LlamaCheckpoint.Save(model, directory);
        WriteByteTokenizer(Path.Combine(directory, "tokenizer.json"), 96);
        return directory;
    }
}
