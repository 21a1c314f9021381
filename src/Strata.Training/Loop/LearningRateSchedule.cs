namespace Strata.Training.Loop;

/// <summary>Linear warm-up to the peak rate, then cosine decay to the minimum at the last step (nanoGPT's schedule).</summary>
public static class LearningRateSchedule
{
    /// <param name="step">Zero-based optimizer step.</param>
    public static double At(int step, TrainingOptions options)
    {
        if (step < options.WarmupSteps) return options.LearningRate * (step + 1) / (options.WarmupSteps + 1);
        if (step >= options.MaxSteps) return options.MinLearningRate;
        double progress = (double)(step - options.WarmupSteps) / Math.Max(1, options.MaxSteps - options.WarmupSteps);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return options.MinLearningRate + cosine * (options.LearningRate - options.MinLearningRate);
    }
}
