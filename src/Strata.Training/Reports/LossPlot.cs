using ScottPlot;

namespace Strata.Training.Reports;

/// <summary>Renders the train/validation loss curves of a <see cref="RunReport"/> with ScottPlot 5.</summary>
internal static class LossPlot
{
    public const int Width = 800;
    public const int Height = 500;

    /// <summary>PNG bytes of the loss plot; non-finite losses are skipped, empty series are left out.</summary>
    public static byte[] RenderPng(RunReport report)
    {
        var plot = new Plot();
        try
        {
            ReportFonts.Apply(plot);
            (double[] trainSteps, double[] trainLoss) = Finite(report.TrainLoss);
            (double[] validSteps, double[] validLoss) = Finite(report.ValidationLoss);

            if (trainSteps.Length > 0)
            {
                var train = plot.Add.Scatter(trainSteps, trainLoss);
                train.LegendText = "train";
                train.LineWidth = 1.5f;
                train.MarkerSize = trainSteps.Length == 1 ? 5 : 0;
                train.Color = Colors.Blue;
            }
            if (validSteps.Length > 0)
            {
                var valid = plot.Add.Scatter(validSteps, validLoss);
                valid.LegendText = "validation";
                valid.LineWidth = 1.5f;
                valid.MarkerSize = 7;
                valid.MarkerShape = MarkerShape.FilledCircle;
                valid.Color = Colors.OrangeRed;
            }
            if (trainSteps.Length == 0 && validSteps.Length == 0)
            {
                var note = plot.Add.Text("no finite loss values yet", 0, 0);
                note.LabelAlignment = Alignment.MiddleCenter;
                note.LabelFontSize = 16;
                note.LabelFontName = ReportFonts.FamilyName;
                plot.Axes.SetLimits(-1, 1, -1, 1);
            }

            plot.Title(report.Title);
            plot.Axes.Title.Label.FontName = ReportFonts.ForText(report.Title);
            plot.Axes.Title.Label.Bold = true;
            plot.XLabel("step");
            plot.YLabel("loss (nats/token)");
            if (trainSteps.Length > 0 || validSteps.Length > 0)
            {
                plot.ShowLegend(Alignment.UpperRight);
            }
            return plot.GetImageBytes(Width, Height, ImageFormat.Png);
        }
        finally
        {
            plot.Dispose();
        }
    }

    private static (double[] Steps, double[] Losses) Finite(IReadOnlyList<LossPoint> points)
    {
        var steps = new List<double>(points.Count);
        var losses = new List<double>(points.Count);
        foreach (LossPoint point in points)
        {
            if (double.IsFinite(point.Loss))
            {
                steps.Add(point.Step);
                losses.Add(point.Loss);
            }
        }
        return (steps.ToArray(), losses.ToArray());
    }
}
