using Spectre.Console;
using Strata.Training.Loop;
using Strata.Training.Reports;

namespace Strata.Cli.Commands;

/// <summary>Shows a run's progress: a live bar on a terminal, plain lines every few steps elsewhere (CI, pipes, tests).</summary>
internal sealed class ConsoleTrainingMonitor(CliContext context, int logInterval) : ITrainingMonitor
{
    private ProgressTask? task;

    /// <summary>Runs <paramref name="work"/> under a progress display and returns its result.</summary>
    public T Run<T>(string title, int maxSteps, Func<T> work)
    {
        if (!context.Console.Profile.Capabilities.Interactive) return work();
        return context.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(progress =>
            {
                task = progress.AddTask(Markup.Escape(title), maxValue: maxSteps);
                return work();
            });
    }

    public void OnStep(StepReport report)
    {
        string line = $"step {report.Step}/{report.MaxSteps}  loss {report.Loss:F4}  lr {report.LearningRate:E2}  {report.TokensPerSecond:F0} tok/s";
        if (task is not null)
        {
            task.Value = report.Step;
            task.Description = Markup.Escape(line);
        }
        else if (report.Step % logInterval == 0 || report.Step == report.MaxSteps)
        {
            context.Output.WriteLine(line);
        }
    }

    public void OnValidation(int step, double loss) => Write($"step {step}: validation loss {loss:F4}");

    public void OnEvent(TrainingEvent trainingEvent) => Write($"[{trainingEvent.Kind}] {trainingEvent.Message}");

    private void Write(string line)
    {
        if (task is not null) context.Console.MarkupLine(Markup.Escape(line));
        else context.Output.WriteLine(line);
    }
}
