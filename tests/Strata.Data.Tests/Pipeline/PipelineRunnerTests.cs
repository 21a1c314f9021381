using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Parquet.Serialization;
using Strata.Data.IO;
using Strata.Data.Pipeline;

namespace Strata.Data.Tests.Pipeline;

public class PipelineRunnerTests
{
    private static readonly PipelineConfig SmallBatches = new() { BatchSize = 3, Workers = 2 };

    private static object[] Stages() => [new DropWordStage("spam"), new ThrowingStage(), new SameTextStage(), new UpperCaseStage()];

    /// <summary>A small corpus over every input format, with planted spam, duplicates, code and bad input.</summary>
    private static string WriteCorpus(string directory)
    {
        string input = Path.Combine(directory, "input");
        Directory.CreateDirectory(input);
        File.WriteAllText(Path.Combine(input, "a.jsonl"), string.Join('\n',
            """{"id":"a1","text":"hello world","meta":{"source":"x"}}""",
            """{"id":"a2","text":"buy spam now"}""",
            """{"id":"a3","text":"hello world"}""",
            """not json at all""",
            """{"id":"a5","text":"int spam = 1;","meta":{"content_kind":"code"}}""",
            """{"id":"a6","nottext":1}""",
            """{"id":"a7","text":"BOOM goes the stage"}""",
            """{"id":"a8","text":"last one","lang":"en"}""") + "\n");
        var invalid = Encoding.UTF8.GetBytes("{\"id\":\"b1\",\"text\":\"fine\"}\n{\"id\":\"b2\",\"text\":\"bad \xff byte\"}\n".Replace("\xff", "@"));
        invalid[invalid.Length - 10] = 0xFF;   // one raw byte that is not UTF-8, inside b2's text
        using (var gz = new GZipStream(File.Create(Path.Combine(input, "b.jsonl.gz")), CompressionLevel.Fastest)) gz.Write(invalid);
        // A gzip file cut short: its first line survives only if the decompressor gets that far.
        var whole = new MemoryStream();
        using (var gz = new GZipStream(whole, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i => $"{{\"id\":\"c{i}\",\"text\":\"document number {i} with padding {new string('x', 50)}\"}}\n"))));
        File.WriteAllBytes(Path.Combine(input, "c.jsonl.gz"), whole.ToArray()[..(int)(whole.Length / 2)]);
        using (var file = File.Create(Path.Combine(input, "d.jsonl.zst")))
        using (var zst = new ZstdSharp.CompressionStream(file))
            zst.Write(Encoding.UTF8.GetBytes("{\"id\":\"d1\",\"text\":\"zstd text\"}\n{\"id\":\"d2\",\"text\":\"hello world\"}\n"));
        ParquetSerializer.SerializeAsync(new[] { new Row { id = "p1", text = "parquet text", lang = "en" }, new Row { id = "p2", text = "more spam" } },
            Path.Combine(input, "e.parquet")).GetAwaiter().GetResult();
        File.WriteAllText(Path.Combine(input, "f.html"), "<html><body><p>a page</p></body></html>");
        return input;
    }

    public sealed class Row
    {
        public string? id { get; set; }
        public string? text { get; set; }
        public string? lang { get; set; }
    }

    [Fact]
    public void RunsEveryFormatAndCountsEveryStageAndReason()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string input = WriteCorpus(directory);
        string output = Path.Combine(directory, "out");
        var report = new PipelineRunner(SmallBatches, Stages()).Run([input], output);

        var kept = ReadOutput(output);
        // Duplicates of "hello world" (a3, d2) go; the first stays. Spam goes unless it is code.
        Assert.Contains(kept, d => d.Id == "a1" && d.Text == "HELLO WORLD" && d.Meta["source"]!.GetValue<string>() == "x");
        Assert.DoesNotContain(kept, d => d.Id is "a2" or "a3" or "d2" or "p2" or "a7");
        Assert.Contains(kept, d => d.Id == "a5");
        Assert.Equal("en", kept.Single(d => d.Id == "a8").Meta["lang"]!.GetValue<string>());
        Assert.Equal("en", kept.Single(d => d.Id == "p1").Meta["lang"]!.GetValue<string>());
        Assert.Contains(kept, d => d.Meta["source"]?.GetValue<string>()?.EndsWith("f.html") == true);
        Assert.Contains(kept, d => d.Id == "b1");
        Assert.Contains(kept, d => d.Id == "c0");

        var spam = report.Stages.Single(s => s.Name == "drop_spam");
        Assert.Equal(2, spam.Removed);   // a2, p2
        Assert.Equal(1, spam.PassedAsCode);   // a5
        Assert.Equal(2, spam.RemovedByReason["contains_spam"]);
        var dedup = report.Stages.Single(s => s.Name == "same_text");
        Assert.Equal(("corpus", 2L), (dedup.Kind, dedup.Removed));
        Assert.True(dedup.CpuSeconds > 0, "a corpus stage's time is its fingerprinting in the pass before");
        Assert.Equal(2, report.CorpusReports["same_text"]!["duplicates"]!.GetValue<int>());
        Assert.Equal(report.Output.Documents, report.Stages.Single(s => s.Name == "upper").Matches["seen"]);
        Assert.Equal(kept.Count, report.Output.Documents);
        Assert.Equal(new[] { "invalid_json", "invalid_utf8", "missing_text", "stage_error", "truncated_file" }, report.Quarantined.Keys);
        Assert.Equal(1, report.Quarantined["invalid_json"]);

        // The quarantine says where each bad record was; the removed file says who removed what.
        string quarantine = string.Join('\n', Directory.GetFiles(Path.Combine(output, "quarantine"), "*.jsonl", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.Contains("a.jsonl:4", quarantine);
        Assert.Contains("b.jsonl.gz:2", quarantine);
        Assert.Contains("c.jsonl.gz:", quarantine);
        string removed = string.Join('\n', Directory.GetFiles(Path.Combine(output, "removed"), "*.jsonl", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.Contains("\"id\":\"a3\",\"stage\":\"same_text\",\"reason\":\"duplicate\"", removed);
        Assert.Contains("\"id\":\"a2\",\"stage\":\"drop_spam\",\"reason\":\"contains_spam\"", removed);
        Assert.True(File.Exists(Path.Combine(output, "report.json")));
    }

    [Fact]
    public void AnInterruptedRunResumesWithoutLosingOrRepeatingDocuments()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string input = WriteCorpus(directory);
        string reference = Path.Combine(directory, "reference");
        var expected = new PipelineRunner(SmallBatches, Stages()).Run([input], reference);

        string output = Path.Combine(directory, "resumed");
        for (int stopAfter = 4; ; stopAfter += 37)
        {
            using var cancel = new CancellationTokenSource();
            var progress = new SynchronousProgress(p => { if (p.DocumentsRead >= stopAfter) cancel.Cancel(); });
            try
            {
                var report = new PipelineRunner(SmallBatches, Stages()).Run([input], output, progress, cancel.Token);
                Assert.Equal(expected.Output.Documents, report.Output.Documents);
                Assert.Equal(expected.Quarantined, report.Quarantined);
                foreach (var (stage, i) in expected.Stages.Select((s, i) => (s, i)))
                    Assert.Equal((stage.Name, stage.Input, stage.Kept), (report.Stages[i].Name, report.Stages[i].Input, report.Stages[i].Kept));
                break;
            }
            catch (OperationCanceledException)
            {
                // interrupted: the next iteration resumes the same folder
            }
        }
        Assert.Equal(ReadOutput(reference).Select(d => d.Id), ReadOutput(output).Select(d => d.Id));
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void AFolderHoldingAnotherRunIsRefused()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string input = WriteCorpus(directory);
        string output = Path.Combine(directory, "out");
        new PipelineRunner(SmallBatches, Stages()).Run([input], output);
        // Speed settings may change between sittings; what is written may not.
        new PipelineRunner(SmallBatches with { BatchSize = 5, Workers = 1 }, Stages()).Run([input], output);
        var error = Assert.Throws<InvalidOperationException>(() => new PipelineRunner(SmallBatches with { Compression = Compression.Gzip }, Stages()).Run([input], output));
        Assert.Contains("another configuration", error.Message);
    }

    [Fact]
    public async Task ParquetOutputHoldsTheSameDocumentsAsJsonLines()
    {
        string directory = TestPaths.NewTemporaryDirectory();
        string input = WriteCorpus(directory);
        string jsonl = Path.Combine(directory, "jsonl"), parquet = Path.Combine(directory, "parquet");
        new PipelineRunner(SmallBatches, Stages()).Run([input], jsonl);
        var report = new PipelineRunner(SmallBatches with { Format = OutputFormat.Parquet, Compression = Compression.Zstd }, Stages()).Run([input], parquet);

        var expected = ReadOutput(jsonl);
        var files = Directory.GetFiles(parquet, "shard-*.parquet").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(report.Output.Files, files.Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(parquet, "shard-*.jsonl*"));
        // Read with Parquet.Net's own untyped reader, as any Parquet consumer would see the files.
        var rows = new List<Dictionary<string, object?>>();
        foreach (string file in files)
        {
            await using var stream = File.OpenRead(file);
            var table = await ParquetSerializer.DeserializeUntypedAsync(stream);
            Assert.Equal(["id", "text", "meta"], table.Schema.GetDataFields().Select(f => f.Name));
            rows.AddRange(table.Data.Select(r => r.ToDictionary(p => p.Key, p => (object?)p.Value)));
        }
        Assert.Equal(expected.Select(d => d.Id), rows.Select(r => (string)r["id"]!));
        Assert.Equal(expected.Select(d => d.Text), rows.Select(r => (string)r["text"]!));
        Assert.All(expected.Zip(rows), pair => Assert.True(JsonNode.DeepEquals(pair.First.Meta, JsonNode.Parse((string)pair.Second["meta"]!))));
        // And Strata reads its own Parquet back as the same documents.
        var roundTrip = files.SelectMany(f => DocumentReader.Read(f)).Select(r => r.Document!).ToList();
        Assert.Equal(expected.Select(d => (d.Id, d.Text, d.Meta.ToJsonString())), roundTrip.Select(d => (d.Id, d.Text, d.Meta.ToJsonString())));
    }

    [Fact]
    public async Task AFailureOutsideAStageStopsTheRunWithItsCauseAndCommitsNothing()
    {
        // Documents are processed on worker threads; a failure outside the per-document quarantine (here the
        // fingerprinting) must end the run with its own exception, not hang it, and leave no shard marked done.
        string directory = TestPaths.NewTemporaryDirectory();
        string input = WriteCorpus(directory);
        string output = Path.Combine(directory, "out");
        var failing = new PipelineRunner(SmallBatches, [new UpperCaseStage(), new FailingFingerprintStage(afterDocuments: 4)]);
        var run = Task.Run(() => failing.Run([input], output));
        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60))) == run, "the run did not end");
        var error = Assert.IsType<AggregateException>(run.Exception);
        Assert.Contains(error.Flatten().InnerExceptions, e => e is InvalidOperationException { Message: "fingerprint failed" });
        Assert.Empty(Directory.GetFiles(output, "shard-*.jsonl"));
        Assert.Empty(Directory.GetFiles(output, "*.stats.json", SearchOption.AllDirectories));
    }

    private static List<Document> ReadOutput(string output) => Directory.GetFiles(output, "shard-*.jsonl").Order(StringComparer.Ordinal)
        .SelectMany(f => DocumentReader.Read(f)).Select(r => r.Document!).ToList();

    private sealed class SynchronousProgress(Action<PipelineProgress> report) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => report(value);
    }
}
