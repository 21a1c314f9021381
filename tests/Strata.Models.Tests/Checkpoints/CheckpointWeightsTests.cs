using System.Text.Json;
using Strata.Models.Checkpoints;
using Strata.Models.Tests.Support;
using TorchSharp;

namespace Strata.Models.Tests.Checkpoints;

public sealed class CheckpointWeightsTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTemporaryDirectory();

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>a: 16 B, b: 16 B, c: 6 B, d: 40 B, e: 8 B (86 B in all), in that order.</summary>
    private static List<KeyValuePair<string, torch.Tensor>> Tensors() =>
    [
        KeyValuePair.Create("a", torch.randn(4)),
        KeyValuePair.Create("b", torch.randn(8).to(torch.ScalarType.BFloat16)),
        KeyValuePair.Create("c", torch.randn(3).to(torch.ScalarType.Float16)),
        KeyValuePair.Create("d", torch.randn(2, 5)),
        KeyValuePair.Create("e", torch.randn(2)),
    ];

    private static void AssertReadsBack(string directory, List<KeyValuePair<string, torch.Tensor>> tensors)
    {
        using var weights = CheckpointWeights.Open(directory);
        Assert.Equal(tensors.Select(t => t.Key).Order(), weights.Names.Order());
        foreach (var (name, tensor) in tensors)
        {
            Assert.True(weights.Contains(name));
            Assert.Equal(tensor.shape, weights.Info(name).Shape);
            using var back = weights.Load(name);
            Assert.Equal(tensor.dtype, back.dtype);
            Assert.Equal(tensor.bytes.ToArray(), back.bytes.ToArray());
        }
    }

    [Fact]
    public void SmallShardLimitSplitsLikeHuggingFaceHub()
    {
        var tensors = Tensors();
        CheckpointWeights.Save(_dir, tensors, maxShardBytes: 32, new Dictionary<string, string> { ["format"] = "pt" });

        // split_torch_state_dict_into_shards with a 32-byte limit: a+b fill shard 1; c starts a new shard;
        // d (40 B > 32) is appended as its own shard at once; e joins c's shard, which closes last.
        Assert.Equal(
            ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors",
                "model.safetensors.index.json"],
            Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        string expectedIndex = """
            {
              "metadata": {
                "total_size": 86
              },
              "weight_map": {
                "a": "model-00001-of-00003.safetensors",
                "b": "model-00001-of-00003.safetensors",
                "c": "model-00003-of-00003.safetensors",
                "d": "model-00002-of-00003.safetensors",
                "e": "model-00003-of-00003.safetensors"
              }
            }

            """;
        Assert.Equal(expectedIndex, File.ReadAllText(Path.Combine(_dir, CheckpointWeights.IndexFileName)));
        using (var shard = SafeTensorsFile.Open(Path.Combine(_dir, "model-00002-of-00003.safetensors")))
        {
            Assert.Equal(["d"], shard.Tensors.Keys);
            Assert.Equal("pt", shard.Metadata["format"]);
        }
        AssertReadsBack(_dir, tensors);
        foreach (var t in tensors) t.Value.Dispose();
    }

    [Fact]
    public void EverythingFittingGivesOneFileAndReplacesAnOlderShardedSave()
    {
        var tensors = Tensors();
        CheckpointWeights.Save(_dir, tensors, maxShardBytes: 32);
        CheckpointWeights.Save(_dir, tensors);
        Assert.Equal([CheckpointWeights.SingleFileName], Directory.GetFiles(_dir).Select(Path.GetFileName));
        AssertReadsBack(_dir, tensors);

        // And back: a sharded save must remove model.safetensors, which Open would otherwise prefer.
        CheckpointWeights.Save(_dir, tensors, maxShardBytes: 40);
        Assert.False(File.Exists(Path.Combine(_dir, CheckpointWeights.SingleFileName)));
        AssertReadsBack(_dir, tensors);
        foreach (var t in tensors) t.Value.Dispose();
    }

    [Fact]
    public void LoadConvertsOnRequest()
    {
        using var half = torch.tensor(new float[] { 1.5f, -2.25f }).to(torch.ScalarType.BFloat16);
        CheckpointWeights.Save(_dir, [KeyValuePair.Create("w", half)]);
        using var weights = CheckpointWeights.Open(_dir);
        using var wide = weights.Load("w", torch.ScalarType.Float32);
        Assert.Equal(new[] { 1.5f, -2.25f }, wide.data<float>().ToArray());
        Assert.Equal(SafeTensorDType.BF16, weights.Info("w").DType);
    }

    [Fact]
    public void MissingWeightsNameTheDirectory()
    {
        var e = Assert.Throws<FileNotFoundException>(() => CheckpointWeights.Open(_dir));
        Assert.Contains(_dir, e.Message);
        Assert.Throws<FileNotFoundException>(() => CheckpointWeights.Open(Path.Combine(_dir, "absent")));
    }

    [Fact]
    public void UnknownTensorNamesTheDirectoryAndTheTensor()
    {
        using var t = torch.ones(2);
        CheckpointWeights.Save(_dir, [KeyValuePair.Create("w", t)]);
        using var weights = CheckpointWeights.Open(_dir);
        Assert.False(weights.Contains("v"));
        var e = Assert.Throws<KeyNotFoundException>(() => weights.Load("v"));
        Assert.Contains(_dir, e.Message);
        Assert.Contains("'v'", e.Message);
    }

    [Fact]
    public void IndexPointingAtMissingShardOrOutsideTheDirectoryIsInvalid()
    {
        string index = Path.Combine(_dir, CheckpointWeights.IndexFileName);
        File.WriteAllText(index, JsonSerializer.Serialize(new { weight_map = new Dictionary<string, string> { ["w"] = "model-00001-of-00002.safetensors" } }));
        using (var weights = CheckpointWeights.Open(_dir))
        {
            Assert.Equal(["w"], weights.Names);
            var e = Assert.Throws<InvalidDataException>(() => weights.Load("w"));
            Assert.Contains("model-00001-of-00002.safetensors", e.Message);
        }

        File.WriteAllText(index, JsonSerializer.Serialize(new { weight_map = new Dictionary<string, string> { ["w"] = "../x.safetensors" } }));
        Assert.Contains(CheckpointWeights.IndexFileName, Assert.Throws<InvalidDataException>(() => CheckpointWeights.Open(_dir)).Message);

        File.WriteAllText(index, "{\"weight_map\": ");
        Assert.Contains(CheckpointWeights.IndexFileName, Assert.Throws<InvalidDataException>(() => CheckpointWeights.Open(_dir)).Message);
    }
}
