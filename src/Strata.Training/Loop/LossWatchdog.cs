namespace Strata.Training.Loop;

/// <summary>What the watchdog decides about one step.</summary>
public enum WatchdogVerdict
{
    /// <summary>Apply the update.</summary>
    Accept,

    /// <summary>Loss or gradient norm is not finite, or the loss spiked: drop this update.</summary>
    Skip,

    /// <summary>Too many skips in a row: restore the last checkpoint and move past these batches.</summary>
    RollBack,
}

/// <summary>
/// Guards a run against bad steps: a non-finite loss or gradient norm, or a loss whose z-score over a
/// rolling window of accepted steps exceeds a threshold. Its state is part of the checkpoint.
/// </summary>
public sealed class LossWatchdog(TrainingOptions options)
{
    private readonly Queue<double> window = new();

    public int ConsecutiveSkips { get; private set; }

    public IReadOnlyCollection<double> Window => window;

    /// <returns>The verdict and, when not accepted, why.</returns>
    public (WatchdogVerdict Verdict, string? Reason) Judge(double loss, double gradientNorm)
    {
        string? reason = null;
        if (!double.IsFinite(loss)) reason = $"non-finite loss {loss}";
        else if (!double.IsFinite(gradientNorm)) reason = $"non-finite gradient norm {gradientNorm}";
        else if (window.Count >= Math.Max(5, options.SpikeWindow / 2))
        {
            double mean = window.Average();
            double std = Math.Sqrt(window.Sum(v => (v - mean) * (v - mean)) / (window.Count - 1));
            double z = (loss - mean) / Math.Max(std, 1e-3 * Math.Abs(mean) + 1e-8);
            if (z > options.SpikeZScore) reason = $"loss spike {loss:F4} (z = {z:F1} over the last {window.Count} steps, mean {mean:F4})";
        }
        if (reason is null)
        {
            ConsecutiveSkips = 0;
            window.Enqueue(loss);
            while (window.Count > options.SpikeWindow) window.Dequeue();
            return (WatchdogVerdict.Accept, null);
        }
        ConsecutiveSkips++;
        if (ConsecutiveSkips >= options.MaxConsecutiveSpikes)
        {
            ConsecutiveSkips = 0;
            return (WatchdogVerdict.RollBack, reason);
        }
        return (WatchdogVerdict.Skip, reason);
    }

    /// <summary>Restores the window saved in a checkpoint.</summary>
    public void Restore(IEnumerable<double> savedWindow)
    {
        window.Clear();
        foreach (double v in savedWindow) window.Enqueue(v);
        ConsecutiveSkips = 0;
    }
}
