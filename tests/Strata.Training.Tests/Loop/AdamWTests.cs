using Strata.Training.Loop;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Training.Tests.Loop;

/// <summary>Strata's AdamW against TorchSharp's own implementation (an independent reference) and its save/load.</summary>
public class AdamWTests
{
    private static (TorchSharp.Modules.Parameter A, TorchSharp.Modules.Parameter B) Parameters()
    {
        var generator = new Generator(3);
        return (nn.Parameter(randn([4, 3], generator: generator)), nn.Parameter(randn([5], generator: generator)));
    }

    private static void SetGradients(TorchSharp.Modules.Parameter a, TorchSharp.Modules.Parameter b, int step)
    {
        var generator = new Generator((ulong)(100 + step));
        a.grad = randn([4, 3], generator: generator);
        b.grad = randn([5], generator: generator);
    }

    /// <summary>
    /// Strata's AdamW over (a, b) against TorchSharp's with one param group per parameter, each with its learning rate
    /// and weight decay: five steps on the same gradients must land on the same parameters.
    /// </summary>
    [Theory]
    [InlineData(0.01, false, 1.0)]    // decay on matrices only, one rate
    [InlineData(0.001, true, 16.0)]   // LoRA+'s shape: b at 16 times the rate, both decayed at their own rate
    public void MatchesTorchSharpsAdamWWithAParamGroupPerParameter(double rate, bool decayB, double scaleB)
    {
        var (a1, b1) = Parameters();
        var (a2, b2) = Parameters();
        using var strata = new AdamW([new("a", a1, true), new("b", b1, decayB, scaleB)], 0.9, 0.95, 1e-8, 0.1) { LearningRate = rate };
        var reference = optim.AdamW(
            [new TorchSharp.Modules.AdamW.ParamGroup([a2], lr: rate, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1),
             new TorchSharp.Modules.AdamW.ParamGroup([b2], lr: rate * scaleB, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: decayB ? 0.1 : 0)]);
        for (int step = 0; step < 5; step++)
        {
            SetGradients(a1, b1, step);
            SetGradients(a2, b2, step);
            strata.Step();
            reference.step();
        }
        Assert.True(a1.allclose(a2, rtol: 1e-5, atol: 1e-7));
        Assert.True(b1.allclose(b2, rtol: 1e-5, atol: 1e-7));
    }

    [Fact]
    public void SaveAndLoadContinueIdentically()
    {
        var (a1, b1) = Parameters();
        var (a2, b2) = Parameters();
        using var first = new AdamW([new("a", a1, true), new("b", b1, false)], 0.9, 0.95, 1e-8, 0.1);
        using var second = new AdamW([new("a", a2, true), new("b", b2, false)], 0.9, 0.95, 1e-8, 0.1);
        for (int step = 0; step < 3; step++)
        {
            SetGradients(a1, b1, step);
            first.Step();
        }
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "optimizer.safetensors");
        first.Save(path);
        using (no_grad())
        {
            a2.copy_(a1);
            b2.copy_(b1);
        }
        second.Load(path);
        Assert.Equal(3, second.Steps);
        SetGradients(a1, b1, 3);
        SetGradients(a2, b2, 3);
        first.Step();
        second.Step();
        Assert.True(a1.equal(a2).all().item<bool>());
        Assert.True(b1.equal(b2).all().item<bool>());
    }
}
