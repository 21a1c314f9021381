using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Strata.Data.Extraction;

namespace Strata.Bench;

/// <summary>
/// Main-content extraction on the 88-page article benchmark in <c>../shared/data/html-extraction</c>: F1, precision and
/// recall with the benchmark's shingle metric, and pages per second (decoding and extraction, files read beforehand).
/// <c>--readability-only</c> scores SmartReader without Strata's pruning, for comparison.
/// </summary>
internal static class ExtractionBenchmark
{
    public static void Run(Arguments arguments)
    {
        string directory = arguments.Value("--data") ?? Path.Combine(FindShared(), "data", "html-extraction");
        var truth = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "ground-truth.json")))!.AsObject();
        var pages = truth.Select(entry => (Truth: entry.Value!["articleBody"]!.GetValue<string>(), Html: Decompress(Path.Combine(directory, "html", entry.Key + ".html.gz")))).ToList();
        bool readabilityOnly = Environment.GetCommandLineArgs().Contains("--readability-only");
        var extractor = new HtmlExtractor(new HtmlExtractorOptions { Prune = !readabilityOnly });
        int runs = arguments.Int("--runs", 3);

        // The first run warms up the JIT and is the one scored; later runs only time.
        var score = new ExtractionScore();
        var times = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            var texts = pages.Select(page => extractor.Extract(new MemoryStream(page.Html)).Text).ToList();
            times.Add(clock.Elapsed.TotalSeconds);
            if (run == 0)
            {
                for (int i = 0; i < pages.Count; i++)
                {
                    score.Add(pages[i].Truth, texts[i]);
                }
            }
        }
        double seconds = Arguments.Median(times.Count > 1 ? times.Skip(1).ToList() : times);
        Console.WriteLine($"extraction ({(readabilityOnly ? "SmartReader only" : "SmartReader + pruning")}): {pages.Count} pages");
        Console.WriteLine($"  F1 {score.F1:F4}  precision {score.Precision:F4}  recall {score.Recall:F4}");
        Console.WriteLine($"  {pages.Count / seconds:F1} pages/s (median of {Math.Max(1, runs - 1)} timed runs, one thread)");
    }

    private static byte[] Decompress(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        return bytes.ToArray();
    }

    // The shared folder sits beside the repository; walk up from the binary to find it.
    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "data", "html-extraction")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("shared/data/html-extraction not found above the benchmark binary; pass --data DIR");
    }
}
