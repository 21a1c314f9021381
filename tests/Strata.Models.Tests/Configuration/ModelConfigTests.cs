using System.Text.Json.Nodes;
using Strata.Models.Configuration;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Configuration;

public class ModelConfigTests
{
    private static string Write(string json)
    {
        string dir = TestPaths.NewTemporaryDirectory();
        File.WriteAllText(Path.Combine(dir, "config.json"), json);
        return dir;
    }

    // Abridged from the published config of meta-llama/Llama-3.1-8B-Instruct.
    private const string Llama31Config = """
        {
          "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
          "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu",
          "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
          "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
          "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "pretraining_tp": 1,
          "rms_norm_eps": 1e-05,
          "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                           "original_max_position_embeddings": 8192, "rope_type": "llama3"},
          "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
          "transformers_version": "4.43.0.dev0", "use_cache": true, "vocab_size": 128256
        }
        """;

    [Fact]
    public void ReadsARealLlama31Config()
    {
        var config = ModelConfig.Load(Write(Llama31Config));
        Assert.Equal(4096, config.HiddenSize);
        Assert.Equal(8, config.KeyValueHeads);
        Assert.Equal(128, config.HeadDimension);
        Assert.Equal([128001, 128008, 128009], config.EosTokenIds);
        Assert.Equal("llama3", config.RopeScaling!.Kind);
        Assert.Equal(8192, config.RopeScaling.OriginalMaxPositionEmbeddings);
        Assert.Equal("bfloat16", config.TorchDtype);
        Assert.False(config.HasAttentionBias);
        Assert.Equal(PositionEncoding.Rope, config.PositionEncoding);
    }

    [Fact]
    public void SaveKeepsHfKeysAndUnknownKeys()
    {
        var config = ModelConfig.Load(Write(Llama31Config));
        string dir = TestPaths.NewTemporaryDirectory();
        (config with { PositionEncoding = PositionEncoding.Alibi }).Save(dir);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        Assert.Equal(4096, (int)json["hidden_size"]!);
        Assert.Equal("4.43.0.dev0", (string)json["transformers_version"]!);
        Assert.Equal(3, json["eos_token_id"]!.AsArray().Count);
        Assert.Equal("llama3", (string)json["rope_scaling"]!["rope_type"]!);
        Assert.Equal("alibi", (string)json["strata_position_encoding"]!);
        var reread = ModelConfig.Load(dir);
        Assert.Equal(PositionEncoding.Alibi, reread.PositionEncoding);
        Assert.Equal(config.IntermediateSize, reread.IntermediateSize);
    }

    [Fact]
    public void Qwen2HasAttentionBiasWithoutTheKey()
    {
        var config = ModelConfig.Load(Write("""{"architectures":["Qwen2ForCausalLM"],"hidden_size":64,"num_attention_heads":4,"vocab_size":10}"""));
        Assert.True(config.HasAttentionBias);
        Assert.Equal(4, config.KeyValueHeads);
    }

    [Fact]
    public void LegacyRopeScalingTypeKeyIsRead()
    {
        var config = ModelConfig.Load(Write("""{"hidden_size":64,"num_attention_heads":4,"rope_scaling":{"type":"linear","factor":4.0}}"""));
        Assert.Equal("linear", config.RopeScaling!.Kind);
    }

    [Theory]
    [InlineData("""{"architectures":["GPT2LMHeadModel"]}""", "unsupported architecture")]
    [InlineData("""{"hidden_size":64,"num_attention_heads":4,"num_key_value_heads":3}""", "num_key_value_heads")]
    [InlineData("""{"hidden_size":64,"num_attention_heads":4,"rope_scaling":{"rope_type":"yarn","factor":4.0}}""", "yarn")]
    [InlineData("""{"hidden_size":64,"num_attention_heads":4,"hidden_act":"gelu"}""", "gelu")]
    [InlineData("""{"hidden_size": 64,""", "invalid config.json")]
    public void BadConfigsNameTheFileAndTheProblem(string json, string expected)
    {
        string dir = Write(json);
        var error = Assert.Throws<InvalidDataException>(() => ModelConfig.Load(dir));
        Assert.Contains(expected, error.Message);
        Assert.Contains("config.json", error.Message);
    }

    [Fact]
    public void MissingConfigIsAFileNotFound()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ModelConfig.Load(TestPaths.NewTemporaryDirectory()));
        Assert.Contains("config.json", error.Message);
    }
}
