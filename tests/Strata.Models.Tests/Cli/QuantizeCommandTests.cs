using Strata.Cli;
using Strata.Models.Configuration;
using Strata.Models.Gguf;
using Strata.Models.Quantization;

namespace Strata.Models.Tests.Cli;

/// <summary><c>strata quantize</c> run in-process: progress on stderr, a summary on stdout, clear errors.</summary>
public sealed class QuantizeCommandTests : IDisposable
{
    private readonly string _directory = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Code, string Output, string Error)> Strata(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await StrataCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task QuantizesAnInitModelAndTheResultLoadsAsAModel()
    {
        // nano, not tiny: tiny's 176-wide MLP rows fit no 32-element block, which the next test shows refused.
        string model = Path.Combine(_directory, "nano");
        Assert.Equal(0, (await Strata("init", "--preset", "nano", "--out", model, "--seed", "1")).Code);
        string gguf = Path.Combine(_directory, "nano-q8_0.gguf");
        var (code, output, error) = await Strata("quantize", "--model", model, "--type", "q8_0", "--out", gguf);
        Assert.True(code == 0, error);
        Assert.Contains("token_embd.weight", error);
        Assert.Contains("F32 -> q8_0", error);
        Assert.Matches(@"\[\s*1/\d+\]", error);
        Assert.Contains($"Wrote {gguf}: q8_0", output);
        var file = GgufFile.Read(gguf);
        Assert.Equal(GgmlType.Q8_0, (GgmlType)file.Tensors.Single(t => t.Name == "blk.0.attn_q.weight").GgmlType);
        Assert.Equal(ModelPresets.Nano(1).NumHiddenLayers, GgufArchitecture.ReadConfig(file).NumHiddenLayers);

        // Requantizing the GGUF itself.
        string q4 = Path.Combine(_directory, "nano-q4_0.gguf");
        var requantized = await Strata("quantize", "--model", gguf, "--type", "q4_0", "--out", q4);
        Assert.True(requantized.Code == 0, requantized.Error);
        Assert.Contains("q8_0 -> q4_0", requantized.Error);
    }

    [Fact]
    public async Task BadArgumentsAndModelsGiveOneLineErrors()
    {
        var type = await Strata("quantize", "--model", _directory, "--type", "q3_k", "--out", "x.gguf");
        Assert.NotEqual(0, type.Code);
        Assert.Contains("q4_k_m", type.Error + type.Output);

        var missing = await Strata("quantize", "--model", Path.Combine(_directory, "nothing"), "--type", "f16", "--out", Path.Combine(_directory, "x.gguf"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("nothing", missing.Error);

        string tiny = Path.Combine(_directory, "tiny");
        Assert.Equal(0, (await Strata("init", "--preset", "tiny", "--out", tiny)).Code);
        var rows = await Strata("quantize", "--model", tiny, "--type", "q8_0", "--out", Path.Combine(_directory, "tiny.gguf"));
        Assert.Equal(1, rows.Code);
        Assert.Contains("blk.0.ffn_down.weight", rows.Error);
        Assert.Equal(0, (await Strata("quantize", "--model", tiny, "--type", "f16", "--out", Path.Combine(_directory, "tiny.gguf"))).Code);

        string alibi = Path.Combine(_directory, "alibi");
        Assert.Equal(0, (await Strata("init", "--preset", "tiny", "--out", alibi, "--alibi")).Code);
        var refused = await Strata("quantize", "--model", alibi, "--type", "f16", "--out", Path.Combine(_directory, "alibi.gguf"));
        Assert.Equal(1, refused.Code);
        Assert.Contains("ALiBi", refused.Error);
        Assert.False(File.Exists(Path.Combine(_directory, "alibi.gguf")));
    }
}
