using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Strata.Data.Pipeline;

namespace Strata.Bench;

/// <summary>
/// The default data pipeline end to end (extract → normalise → filters → exact and MinHash dedup) on a generated
/// corpus of real English: documents assembled from the sentences of the 88 benchmark articles and the BPE corpus
/// in <c>../shared</c>, one in a hundred a real web page (raw HTML), with 4% exact and 4% near copies planted.
/// Reports MB/s of input, peak memory and each stage's counts, with every core and with one.
/// <code>dotnet run -c Release --project bench/Strata.Bench -- pipeline [--mb 200] [--workers 2,1]</code>
/// </summary>
internal static partial class PipelineBenchmark
{
    private const int DocumentsPerShard = 10_000;

    public static void Run(Arguments args)
    {
        int megabytes = args.Int("--mb", 200);
        string root = Path.Combine(Path.GetTempPath(), "strata-bench-pipeline");
        string corpus = Path.Combine(root, $"corpus-{megabytes}mb");
        var clock = Stopwatch.StartNew();
        long bytes = Generate(corpus, megabytes);
        Console.WriteLine($"corpus: {bytes / 1e6:F1} MB in {Directory.GetFiles(corpus).Length} shards ({clock.Elapsed.TotalSeconds:F0} s to generate or find)");
        // Warm-up on one shard: JIT, compiled regexes and language profiles are paid before anything is timed.
        string warm = Path.Combine(root, "warm-up");
        if (Directory.Exists(warm)) Directory.Delete(warm, recursive: true);
        var warmConfig = new PipelineConfig { WriteRemoved = false };
        new PipelineRunner(warmConfig, StageRegistry.Create(warmConfig, new StageContext("."))).Run([Directory.GetFiles(corpus, "*.jsonl").Order(StringComparer.Ordinal).First()], warm);
        foreach (int workers in (args.Value("--workers") ?? $"{Environment.ProcessorCount},1").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)))
        {
            string output = Path.Combine(root, $"out-{megabytes}mb-{workers}w");
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
            var config = new PipelineConfig { Workers = workers, WriteRemoved = false };
            var runner = new PipelineRunner(config, StageRegistry.Create(config, new StageContext(".")));
            ProcessMemory.ResetPeak();
            long before = ProcessMemory.PeakBytes();
            var report = runner.Run([corpus], output);
            long peak = ProcessMemory.PeakBytes();
            Console.WriteLine($"workers {workers}: {report.Inputs.Bytes / 1e6:F0} MB, {report.Inputs.Records:N0} documents in {report.ElapsedSeconds:F1} s = " +
                $"{report.Inputs.Bytes / 1e6 / report.ElapsedSeconds:F2} MB/s; peak memory {peak / 1e6:F0} MB (before {before / 1e6:F0} MB); " +
                $"kept {report.Output.Documents:N0} documents, {report.Output.Characters / 1e6:F1} M characters");
            foreach (var stage in report.Stages)
            {
                string reasons = string.Join(", ", stage.RemovedByReason.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value:N0}"));
                Console.WriteLine($"  {stage.Name,-18} {stage.CpuSeconds,7:F1} s  in {stage.Input,9:N0}  kept {stage.Kept,9:N0}  removed {stage.Removed,8:N0}  {reasons}");
            }
        }
    }

    /// <summary>Writes the corpus once (deterministic) and reuses it on later runs.</summary>
    private static long Generate(string directory, int megabytes)
    {
        string done = Path.Combine(directory, ".complete");
        if (File.Exists(done)) return Directory.GetFiles(directory, "*.jsonl").Sum(f => new FileInfo(f).Length);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        string shared = Path.Combine(FindRepository(), "..", "shared", "data");
        var truth = JsonNode.Parse(File.ReadAllText(Path.Combine(shared, "html-extraction", "ground-truth.json")))!.AsObject();
        var prose = truth.Select(p => p.Value!["articleBody"]!.GetValue<string>())
            .Append(File.ReadAllText(Path.Combine(shared, "bpe-training", "corpus.en")));
        var sentences = prose.SelectMany(text => SentenceEnd().Split(text)).Select(s => s.Trim()).Where(s => s.Split(' ').Length >= 6).ToArray();
        var pages = Directory.GetFiles(Path.Combine(shared, "html-extraction", "html"), "*.html.gz").Order(StringComparer.Ordinal)
            .Select(path => { using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress); using var reader = new StreamReader(gz); return reader.ReadToEnd(); })
            .ToArray();

        var random = new Random(20261123);
        var texts = new List<string>();
        long written = 0;
        int shard = 0, index = 0;
        var writer = NewShard();
        while (written < megabytes * 1_000_000L)
        {
            string text;
            var meta = new JsonObject();
            double kind = random.NextDouble();
            if (index % 100 == 99)
            {
                text = pages[index / 100 % pages.Length];
                meta["content_kind"] = "html";
            }
            else if (kind < 0.04 && texts.Count > 0) text = texts[random.Next(texts.Count)];
            else if (kind < 0.08 && texts.Count > 0) text = Mutate(texts[random.Next(texts.Count)], random);
            else
            {
                var paragraphs = Enumerable.Range(0, 2 + random.Next(6))
                    .Select(_ => string.Join(' ', Enumerable.Range(0, 3 + random.Next(6)).Select(_ => sentences[random.Next(sentences.Length)])));
                text = string.Join("\n\n", paragraphs);
                if (texts.Count < 20_000) texts.Add(text);
                else texts[random.Next(texts.Count)] = text;
            }
            string line = JsonSerializer.Serialize(new { id = $"doc-{index}", text, meta }) + "\n";
            writer.Write(line);
            written += Encoding.UTF8.GetByteCount(line);
            if (++index % DocumentsPerShard == 0)
            {
                writer.Dispose();
                writer = NewShard();
            }
        }
        writer.Dispose();
        File.WriteAllText(done, "");
        return written;

        StreamWriter NewShard() => new(Path.Combine(directory, $"part-{shard++:D4}.jsonl"), false, new UTF8Encoding(false));
    }

    /// <summary>A near copy: about one word in fifty replaced, as a lightly edited repost.</summary>
    private static string Mutate(string text, Random random)
    {
        var words = text.Split(' ');
        for (int i = 0; i < words.Length; i++) if (random.NextDouble() < 0.02) words[i] = words[random.Next(words.Length)];
        return string.Join(' ', words);
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Strata.sln"))) return dir.FullName;
        throw new InvalidOperationException("run from inside the repository");
    }

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();
}
