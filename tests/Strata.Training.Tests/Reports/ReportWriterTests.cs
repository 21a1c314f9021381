using System.Text.Json.Nodes;
using SkiaSharp;
using Strata.Training.Reports;

namespace Strata.Training.Tests.Reports;

public sealed class ReportWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "strata-report-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    internal static RunReport SampleReport()
    {
        var train = new List<LossPoint>();
        for (int step = 0; step <= 2000; step += 20)
        {
            double loss = 2.1 + (8.3 * Math.Exp(-step / 250.0)) + (0.05 * Math.Sin(step / 7.0));
            train.Add(new LossPoint(step, step * 65_536L, loss));
        }
        var valid = new List<LossPoint>();
        for (int step = 250; step <= 2000; step += 250)
        {
            valid.Add(new LossPoint(step, step * 65_536L, 2.25 + (8.0 * Math.Exp(-step / 260.0))));
        }
        return new RunReport
        {
            Title = "tiny-llama pretrain (shakespeare)",
            Stage = ReportStages.Pretrain,
            ResolvedConfig = JsonNode.Parse("""{"model": {"d_model": 256, "n_layers": 4}, "lr": 0.0003}"""),
            TrainLoss = train,
            ValidationLoss = valid,
            TokensSeen = 131_072_000,
            Elapsed = new TimeSpan(0, 1, 2, 3, 500),
            TokensPerSecond = 35_211.7,
            ModelFlopsUtilization = 0.4123,
            BestValidationLoss = 2.2513,
            ValidationBitsPerCharacter = 1.0871,
            Samples =
            [
                new SampleGeneration("ROMEO:", "But soft, what light\nthrough yonder window breaks?"),
                new SampleGeneration("To be", ", or not to be: that is the question"),
            ],
            Events =
            [
                new TrainingEvent(500, "checkpoint", "saved step-500"),
                new TrainingEvent(730, "skip", "loss spike 9.8 > 3 sigma; batch skipped"),
                new TrainingEvent(900, "rollback", "NaN loss; rolled back to step-500"),
            ],
            Metrics = new Dictionary<string, double> { ["exact_match"] = 0.375 },
        };
    }

    [Fact]
    public void Png_HasSignatureAndIsEightHundredByFiveHundred()
    {
        ReportWriter.Write(SampleReport(), _dir);

        byte[] png = File.ReadAllBytes(Path.Combine(_dir, ReportWriter.LossPlotFileName));
        Assert.True(PngHeader.HasSignature(png));
        Assert.Equal((800, 500), PngHeader.ReadSize(png));
        Assert.True(png.Length > 5_000, $"PNG suspiciously small ({png.Length} bytes)");
    }

    [Fact]
    public void Write_CreatesNestedDirectoryAndLeavesNoTempFiles()
    {
        string nested = Path.Combine(_dir, "a", "b");
        ReportWriter.Write(SampleReport(), nested);
        ReportWriter.Write(SampleReport(), nested); // overwrite in place

        string[] names = Directory.GetFiles(nested).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(["loss.png", "summary.json", "summary.md"], names);
    }

    [Fact]
    public void SummaryJson_RoundTripsKeyFigures_WithSnakeCaseNames()
    {
        RunReport report = SampleReport();
        ReportWriter.Write(report, _dir);

        string path = Path.Combine(_dir, ReportWriter.SummaryJsonFileName);
        JsonObject raw = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal("pretrain", (string?)raw["stage"]);
        Assert.Equal(131_072_000L, (long?)raw["tokens_seen"]);
        Assert.Equal(0.4123, (double?)raw["model_flops_utilization"]);
        Assert.Equal(256, (int?)raw["resolved_config"]?["model"]?["d_model"]);
        Assert.Equal(0.375, (double?)raw["metrics"]?["exact_match"]);
        Assert.NotNull(raw["train_loss"]?[0]?["tokens_seen"]);

        RunReport back = ReportJson.ReadFile(path);
        Assert.Equal(report.Title, back.Title);
        Assert.Equal(report.TokensSeen, back.TokensSeen);
        Assert.Equal(report.Elapsed, back.Elapsed);
        Assert.Equal(report.TokensPerSecond, back.TokensPerSecond);
        Assert.Equal(report.BestValidationLoss, back.BestValidationLoss);
        Assert.Equal(report.ValidationBitsPerCharacter, back.ValidationBitsPerCharacter);
        Assert.Equal(report.TrainLoss, back.TrainLoss);
        Assert.Equal(report.ValidationLoss, back.ValidationLoss);
        Assert.Equal(report.Samples, back.Samples);
        Assert.Equal(report.Events, back.Events);
        Assert.Equal(report.Metrics, back.Metrics);
        Assert.True(JsonNode.DeepEquals(report.ResolvedConfig, back.ResolvedConfig));
    }

    [Fact]
    public void SummaryMarkdown_HasHeadlineNumbersPlotAndSamples()
    {
        ReportWriter.Write(SampleReport(), _dir);

        string md = File.ReadAllText(Path.Combine(_dir, ReportWriter.SummaryMarkdownFileName));
        Assert.Contains("# tiny-llama pretrain (shakespeare)", md);
        Assert.Contains("| tokens seen | 131,072,000 |", md);
        Assert.Contains("| elapsed | 01:02:03 |", md);
        Assert.Contains("| tokens/s | 35,212 |", md);
        Assert.Contains("| MFU | 41.2 % |", md);
        Assert.Contains("| best validation loss | 2.2513 |", md);
        Assert.Contains("| validation bits/char | 1.0871 |", md);
        Assert.Contains("| exact_match | 0.3750 |", md);
        Assert.Contains("| steps | 2000 |", md);
        Assert.Contains("![loss](loss.png)", md);
        Assert.Contains("> ROMEO:", md);
        Assert.Contains("> But soft, what light\n> through yonder window breaks?", md);
        Assert.Contains("> , or not to be: that is the question", md);
        Assert.Contains("- step 900: **rollback** — NaN loss; rolled back to step-500", md);
    }

    [Fact]
    public void EmptySeries_WritesAllFiles()
    {
        RunReport report = SampleReport() with { TrainLoss = [], ValidationLoss = [], Samples = [], Events = [], ResolvedConfig = null, BestValidationLoss = null };
        ReportWriter.Write(report, _dir);

        Assert.Equal((800, 500), PngHeader.ReadSize(File.ReadAllBytes(Path.Combine(_dir, "loss.png"))));
        string md = File.ReadAllText(Path.Combine(_dir, "summary.md"));
        Assert.Contains("| best validation loss | n/a |", md);
        Assert.Contains("_No samples._", md);
        RunReport back = ReportJson.ReadFile(Path.Combine(_dir, "summary.json"));
        Assert.Empty(back.TrainLoss);
        Assert.Null(back.ResolvedConfig);
        Assert.Null(back.BestValidationLoss);
    }

    [Fact]
    public void TrainOnly_NoValidationYet_Renders()
    {
        ReportWriter.Write(SampleReport() with { ValidationLoss = [] }, _dir);
        Assert.Equal((800, 500), PngHeader.ReadSize(File.ReadAllBytes(Path.Combine(_dir, "loss.png"))));
    }

    [Fact]
    public void NonFiniteLosses_AreKeptInJsonAsStrings_AndSkippedInPlot()
    {
        RunReport report = SampleReport() with
        {
            TrainLoss = [new(0, 0, 10.4), new(10, 100, double.NaN), new(20, 200, double.PositiveInfinity), new(30, 300, 6.2)],
            ValidationLoss = [new(20, 200, double.NegativeInfinity)],
            BestValidationLoss = double.NaN,
            Metrics = new Dictionary<string, double> { ["exact_match"] = double.NaN },
        };
        ReportWriter.Write(report, _dir);

        Assert.Equal((800, 500), PngHeader.ReadSize(File.ReadAllBytes(Path.Combine(_dir, "loss.png"))));
        string json = File.ReadAllText(Path.Combine(_dir, "summary.json"));
        Assert.Contains("\"loss\": \"NaN\"", json);
        Assert.Contains("\"loss\": \"Infinity\"", json);
        Assert.Contains("\"loss\": \"-Infinity\"", json);
        RunReport back = ReportJson.Deserialize(json);
        Assert.True(double.IsNaN(back.TrainLoss[1].Loss));
        Assert.Equal(double.PositiveInfinity, back.TrainLoss[2].Loss);
        Assert.Equal(double.NegativeInfinity, back.ValidationLoss[0].Loss);
        Assert.True(double.IsNaN(back.BestValidationLoss!.Value));
        Assert.Contains("3 non-finite", File.ReadAllText(Path.Combine(_dir, "summary.md")));
    }

    [Fact]
    public void UnknownStage_Throws()
    {
        Assert.Throws<ArgumentException>(() => ReportWriter.Write(SampleReport() with { Stage = "finetune" }, _dir));
    }

    [Fact]
    public void Png_TitleBandHasInk_EvenWithoutSystemFonts()
    {
        // Text comes from the embedded font, so the title row must hold dark pixels; without it, a machine
        // with no fonts renders a blank band here.
        ReportWriter.Write(SampleReport(), _dir);
        using SKBitmap bitmap = SKBitmap.Decode(Path.Combine(_dir, "loss.png"));
        static bool IsDark(SKColor c) => c.Red + c.Green + c.Blue < 300;
        int dark = 0;
        for (int y = 0; y < bitmap.Height / 4; y++)
        {
            int row = 0;
            for (int x = 250; x < 550; x++)
            {
                row += IsDark(bitmap.GetPixel(x, y)) ? 1 : 0;
            }
            if (row > 250)
            {
                break; // the data area's top frame line: the title sits above it
            }
            dark += row;
        }
        Assert.True(dark > 100, $"only {dark} dark pixels in the title band");
    }

    [Fact]
    public void EmbeddedFont_IsRegisteredWithScottPlot()
    {
        ReportWriter.Write(SampleReport(), _dir);
        // Not disposed: ScottPlot hands out its cached instance.
        SKTypeface face = ScottPlot.Fonts.GetTypeface(ReportFonts.FamilyName, bold: false, italic: false);
        Assert.Equal("DejaVu Sans", face.FamilyName);
        Assert.True(ReportFonts.Covers("loss (nats/token) step 0123456789 train validation"));
        Assert.Equal(ReportFonts.FamilyName, ReportFonts.ForText("plain ascii title"));
    }

    [Fact]
    public void SampleReport_IsKeptForInspection()
    {
        // Writes next to the test binaries so a person can open bin/.../report-sample/loss.png and summary.md.
        string keep = Path.Combine(AppContext.BaseDirectory, "report-sample");
        ReportWriter.Write(SampleReport(), keep);
        ReportWriter.Write(SampleReport() with { TrainLoss = [], ValidationLoss = [], Title = "empty — 空" }, Path.Combine(keep, "empty"));
        ReportWriter.Write(SampleReport() with { ValidationLoss = [], TrainLoss = [new(0, 0, 10.4), new(10, 1, double.NaN), new(20, 2, 7.5), new(30, 3, double.PositiveInfinity), new(40, 4, 6.1)] }, Path.Combine(keep, "nan"));
        Assert.True(File.Exists(Path.Combine(keep, "loss.png")));
    }
}
