using System.Diagnostics;
using static TorchSharp.torch;

namespace Strata.Training.Loop;

/// <summary>
/// The machine's fp32 matrix-multiply peak, measured where training runs: the denominator of model FLOPs
/// utilisation. Timed on large square matmuls, best of several, so MFU compares like with like.
/// </summary>
public static class MatmulPeak
{
    /// <returns>FLOP/s of the fastest of <paramref name="repeats"/> (n×n)·(n×n) products.</returns>
    public static double Measure(int size = 1536, int repeats = 5, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var a = randn(size, size, device: device);
        var b = randn(size, size, device: device);
        using (var warmup = a.matmul(b)) { }
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            using var product = a.matmul(b);
            _ = product[0, 0].item<float>(); // forces completion on asynchronous devices
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * size * size * (double)size / best;
    }
}
