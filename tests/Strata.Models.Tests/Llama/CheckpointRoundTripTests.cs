using Strata.Models.Checkpoints;
using Strata.Models.Configuration;
using Strata.Models.Generation;
using Strata.Models.Inference;
using Strata.Models.Llama;
using Strata.Models.Tests.Support;
using TorchSharp;

namespace Strata.Models.Tests.Llama;

public class CheckpointRoundTripTests
{
    private static readonly int[] Ids = [1, 17, 42, 99, 5, 63, 63, 2, 120, 7];

    private static float[] LastLogits(LlamaForCausalLM model)
    {
        using var session = TorchBackend.LanguageModel(model).OpenSession();
        return session.Append(Ids);
    }

    [Theory]
    [InlineData(false, PositionEncoding.Rope)]
    [InlineData(true, PositionEncoding.Alibi)]
    public void SaveThenLoadGivesIdenticalLogits(bool tied, PositionEncoding positions)
    {
        var config = ModelPresets.Tiny(128) with { TieWordEmbeddings = tied, PositionEncoding = positions, AttentionBias = true };
        using var original = LlamaCheckpoint.Create(config, seed: 3);
        string dir = TestPaths.NewTemporaryDirectory();
        LlamaCheckpoint.Save(original, dir);
        using var reloaded = LlamaCheckpoint.Load(dir);
        Assert.Equal(LastLogits(original), LastLogits(reloaded));
        Assert.Equal((config with { TorchDtype = "float32" }).ToJson(), reloaded.Config.ToJson());
        Assert.Empty(reloaded.Config.EosTokenIds);
    }

    [Fact]
    public void ShardedSaveLoadsBackIdentically()
    {
        using var original = LlamaCheckpoint.Create(ModelPresets.Tiny(128), seed: 5);
        string dir = TestPaths.NewTemporaryDirectory();
        LlamaCheckpoint.Save(original, dir, maxShardBytes: 64 * 1024);
        Assert.True(File.Exists(Path.Combine(dir, "model.safetensors.index.json")));
        Assert.True(Directory.GetFiles(dir, "model-*-of-*.safetensors").Length > 1);
        using var reloaded = LlamaCheckpoint.Load(dir);
        Assert.Equal(LastLogits(original), LastLogits(reloaded));
    }

    [Fact]
    public void ReferenceCheckpointSurvivesAStrataRoundTrip()
    {
        // Written by the numpy reference in BF16; Strata loads it as float32 and saves float32.
        string source = Path.Combine(TestPaths.Golden, "models", "linear-scaling-bf16");
        using var original = LlamaCheckpoint.Load(source);
        string dir = TestPaths.NewTemporaryDirectory();
        LlamaCheckpoint.Save(original, dir);
        using var reloaded = LlamaCheckpoint.Load(dir);
        Assert.Equal(LastLogits(original), LastLogits(reloaded));
    }

    [Fact]
    public void ShapeMismatchNamesTheTensor()
    {
        using var model = LlamaCheckpoint.Create(ModelPresets.Tiny(128), seed: 1);
        string dir = TestPaths.NewTemporaryDirectory();
        LlamaCheckpoint.Save(model, dir);
        (model.Config with { IntermediateSize = 200 }).Save(dir);
        var error = Assert.Throws<InvalidDataException>(() => LlamaCheckpoint.Load(dir));
        Assert.Contains("mlp.gate_proj.weight", error.Message);
        Assert.Contains("[176, 64]", error.Message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        using var model = LlamaCheckpoint.Create(ModelPresets.Tiny(128) with { TieWordEmbeddings = true }, seed: 1);
        string dir = TestPaths.NewTemporaryDirectory();
        LlamaCheckpoint.Save(model, dir);
        (model.Config with { TieWordEmbeddings = false }).Save(dir);
        var error = Assert.Throws<InvalidDataException>(() => LlamaCheckpoint.Load(dir));
        Assert.Contains("missing tensor 'lm_head.weight'", error.Message);
    }

    [Fact]
    public void AlibiModelRunsFarBeyondItsTrainedLength()
    {
        var config = ModelPresets.Tiny(64) with { PositionEncoding = PositionEncoding.Alibi, MaxPositionEmbeddings = 16 };
        using var model = LlamaCheckpoint.Create(config, seed: 2);
        using var session = TorchBackend.LanguageModel(model).OpenSession();
        float[] logits = session.Append(Enumerable.Range(0, 300).Select(i => i % 64).ToArray()); // grows the cache past 256
        for (int i = 0; i < 10; i++) logits = session.Append([Sampler.ArgMax(logits)]);
        Assert.Equal(310, session.Length);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void RopeModelRefusesToRunPastItsContext()
    {
        var config = ModelPresets.Tiny(64) with { MaxPositionEmbeddings = 16 };
        using var model = LlamaCheckpoint.Create(config, seed: 2);
        using var session = TorchBackend.LanguageModel(model).OpenSession();
        var error = Assert.Throws<ArgumentException>(() => session.Append(Enumerable.Range(0, 17).ToArray()));
        Assert.Contains("16-token context", error.Message);
    }

    [Fact]
    public void CheckpointWeightsCarryHuggingFaceNames()
    {
        using var model = LlamaCheckpoint.Create(ModelPresets.Tiny(128) with { TieWordEmbeddings = false }, seed: 1);
        string dir = TestPaths.NewTemporaryDirectory();
        LlamaCheckpoint.Save(model, dir);
        using var weights = CheckpointWeights.Open(dir);
        Assert.Contains("model.embed_tokens.weight", weights.Names);
        Assert.Contains("model.layers.1.self_attn.q_proj.weight", weights.Names);
        Assert.Contains("model.layers.0.post_attention_layernorm.weight", weights.Names);
        Assert.Contains("model.norm.weight", weights.Names);
        Assert.Contains("lm_head.weight", weights.Names);
        Assert.Equal(torch.ScalarType.Float32, weights.Load("model.norm.weight").dtype);
    }
}
