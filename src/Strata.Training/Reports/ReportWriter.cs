using System.Text;

namespace Strata.Training.Reports;

/// <summary>Writes a run's report directory: loss.png, summary.json and summary.md.</summary>
public static class ReportWriter
{
    public const string LossPlotFileName = "loss.png";
    public const string SummaryJsonFileName = "summary.json";
    public const string SummaryMarkdownFileName = "summary.md";

    /// <summary>
    /// Creates <paramref name="directory"/> if needed and writes <see cref="LossPlotFileName"/> (800×500 PNG),
    /// <see cref="SummaryJsonFileName"/> and <see cref="SummaryMarkdownFileName"/>, each through a temporary file
    /// in the same directory renamed over the target, so a reader never sees a half-written file.
    /// Empty series and non-finite losses are allowed: they are left out of the plot and kept in the JSON.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="RunReport.Stage"/> is not one of <see cref="ReportStages.All"/>.</exception>
    public static void Write(RunReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!ReportStages.IsKnown(report.Stage))
        {
            throw new ArgumentException(
                $"Unknown stage '{report.Stage}'; expected one of {string.Join(", ", ReportStages.All)}.", nameof(report));
        }

        Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, LossPlotFileName), LossPlot.RenderPng(report));
        WriteAtomically(Path.Combine(directory, SummaryJsonFileName), Encoding.UTF8.GetBytes(ReportJson.Serialize(report) + "\n"));
        WriteAtomically(Path.Combine(directory, SummaryMarkdownFileName), Encoding.UTF8.GetBytes(ReportMarkdown.Build(report, LossPlotFileName)));
    }

    internal static void WriteAtomically(string path, ReadOnlySpan<byte> contents)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
