using Strata.Training.Pretraining;
using Strata.Training.Tuning;

namespace Strata.Training.Tests.Pretraining;

/// <summary>Every config shipped in configs/ loads, validates its training options and names its command.</summary>
public class ShippedConfigTests
{
    private static string Config(string name) => Path.Combine(TestPaths.RepositoryRoot, "configs", name);

    [Fact]
    public void PretrainConfigLoads()
    {
        var config = PretrainConfig.Load(Config("pretrain-shakespeare-nano.json"));
        Assert.Equal("nano", config.Model.Preset);
        Assert.Equal(2000, config.Training.MaxSteps);
        Assert.Contains("strata pretrain --config configs/pretrain-shakespeare-nano.json", config.Description);
        config.Training.Validate();
    }

    [Fact]
    public void TuneConfigLoads()
    {
        var config = TuneConfig.Load(Config("tune-command-example.json"));
        Assert.Equal(TuneStage.Command, config.Stage);
        config.Training.Validate();
    }

    [Fact]
    public void UnknownKeysAreRejectedWithTheFileName()
    {
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "bad.json");
        File.WriteAllText(path, """{ "inputs": ["a.txt"], "trainning": {} }""");
        var error = Assert.Throws<InvalidDataException>(() => PretrainConfig.Load(path));
        Assert.Contains("bad.json", error.Message);
        Assert.Contains("trainning", error.Message);
    }
}
