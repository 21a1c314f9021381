using Strata.Training.Pretraining;
using Strata.Training.Quickstart;

namespace Strata.Training.Tests.Quickstart;

/// <summary>
/// The quickstart's wiring on a seconds-long budget with a tiny model (slow-ish end-to-end test): every layer
/// is produced as a loadable HF directory and measured against the layer below on held-out tasks.
/// </summary>
public class QuickstartRecipeTests
{
    [Fact]
    public void ProducesBaseCommandAndDialogueModelsWithMeasurements()
    {
        string output = TestPaths.NewTemporaryDirectory();
        var options = new QuickstartOptions
        {
            Minutes = 0.05,
            Output = output,
            VocabSize = 512,
            ContextLength = 64,
            HeldOutExamples = 8,
            Model = new ModelShape { Preset = "tiny" },
        };
        var layers = new QuickstartRecipe(options).Run();

        Assert.Equal(["base", "command", "dialogue"], layers.Select(l => l.Name));
        foreach (var layer in layers)
        {
            Assert.True(File.Exists(Path.Combine(layer.Directory, "model.safetensors")), layer.Name);
            Assert.True(File.Exists(Path.Combine(layer.Directory, "tokenizer.json")), layer.Name);
            Assert.True(File.Exists(Path.Combine(layer.Directory, "report", "summary.md")), layer.Name);
        }
        Assert.InRange(layers[0].After, 0.5, 12); // bits per character of a barely trained model: finite, below random
        Assert.All(layers.Skip(1), l => Assert.InRange(l.After, 0, 1));
        Assert.True(File.Exists(Path.Combine(output, "dialogue", "tokenizer_config.json")));
        Assert.NotEmpty(layers[2].Samples);
    }
}
