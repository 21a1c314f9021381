using System.Globalization;
using System.Text;

namespace Strata.Training.Reports;

/// <summary>Builds summary.md: a headline table, the loss plot, sample generations and the event list.</summary>
internal static class ReportMarkdown
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Build(RunReport report, string plotFileName)
    {
        var md = new StringBuilder();
        md.Append("# ").Append(OneLine(report.Title)).Append("\n\n");
        md.Append("Stage: `").Append(report.Stage).Append("`\n\n");

        md.Append("| figure | value |\n|---|---|\n");
        Row(md, "tokens seen", report.TokensSeen.ToString("N0", Inv));
        Row(md, "elapsed", FormatElapsed(report.Elapsed));
        Row(md, "tokens/s", FormatNumber(report.TokensPerSecond, "N0"));
        Row(md, "MFU", report.ModelFlopsUtilization is double mfu ? FormatNumber(mfu * 100, "F1") + " %" : "n/a");
        Row(md, "steps", LastStep(report)?.ToString(Inv) ?? "n/a");
        Row(md, "final train loss", Last(report.TrainLoss) is LossPoint t ? FormatLoss(t.Loss) : "n/a");
        Row(md, "final validation loss", Last(report.ValidationLoss) is LossPoint v ? FormatLoss(v.Loss) : "n/a");
        Row(md, "best validation loss", report.BestValidationLoss is double best ? FormatLoss(best) : "n/a");
        Row(md, "validation bits/char", report.ValidationBitsPerCharacter is double bpc ? FormatLoss(bpc) : "n/a");
        foreach ((string name, double value) in report.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Row(md, name, FormatLoss(value));
        }
        md.Append('\n');

        md.Append("## Loss\n\n![loss](").Append(plotFileName).Append(")\n\n");
        md.Append("Losses are mean cross-entropy in nats/token. ")
          .Append(CultureInfo.InvariantCulture, $"{report.TrainLoss.Count} train and {report.ValidationLoss.Count} validation points")
          .Append(NonFiniteNote(report)).Append(".\n\n");

        md.Append("## Samples\n\n");
        if (report.Samples.Count == 0)
        {
            md.Append("_No samples._\n\n");
        }
        for (int i = 0; i < report.Samples.Count; i++)
        {
            SampleGeneration sample = report.Samples[i];
            md.Append(CultureInfo.InvariantCulture, $"### Sample {i + 1}\n\n");
            md.Append("**Prompt**\n\n");
            Quote(md, sample.Prompt);
            md.Append("**Completion**\n\n");
            Quote(md, sample.Completion);
        }

        md.Append("## Events\n\n");
        if (report.Events.Count == 0)
        {
            md.Append("_No events._\n");
        }
        foreach (TrainingEvent e in report.Events)
        {
            md.Append(CultureInfo.InvariantCulture, $"- step {e.Step}: **{OneLine(e.Kind)}** — {OneLine(e.Message)}\n");
        }
        return md.ToString();
    }

    internal static string FormatLoss(double value) => FormatNumber(value, "F4");

    internal static string FormatElapsed(TimeSpan elapsed)
    {
        string sign = elapsed < TimeSpan.Zero ? "-" : "";
        TimeSpan t = elapsed.Duration();
        string hms = string.Create(Inv, $"{(long)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}");
        return sign + hms;
    }

    private static string FormatNumber(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, Inv) : value.ToString(Inv);

    private static void Row(StringBuilder md, string name, string value) =>
        md.Append("| ").Append(Cell(name)).Append(" | ").Append(Cell(value)).Append(" |\n");

    private static string Cell(string text) => OneLine(text).Replace("|", "\\|", StringComparison.Ordinal);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static void Quote(StringBuilder md, string text)
    {
        if (text.Length == 0)
        {
            md.Append("> _(empty)_\n\n");
            return;
        }
        foreach (string line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            md.Append(line.Length == 0 ? ">" : "> " + line).Append('\n');
        }
        md.Append('\n');
    }

    private static LossPoint? Last(IReadOnlyList<LossPoint> points) => points.Count == 0 ? null : points[^1];

    private static long? LastStep(RunReport report)
    {
        long? train = Last(report.TrainLoss)?.Step;
        long? valid = Last(report.ValidationLoss)?.Step;
        return train is null ? valid : valid is null ? train : Math.Max(train.Value, valid.Value);
    }

    private static string NonFiniteNote(RunReport report)
    {
        int bad = report.TrainLoss.Count(p => !double.IsFinite(p.Loss)) + report.ValidationLoss.Count(p => !double.IsFinite(p.Loss));
        return bad == 0 ? "" : string.Create(Inv, $"; {bad} non-finite (NaN/∞) point(s) are omitted from the plot but kept in summary.json");
    }
}
